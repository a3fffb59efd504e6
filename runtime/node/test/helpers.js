'use strict';
// Shared by the tests: unique socket names, a connected pair, a child-process runner.
const { spawn } = require('child_process');
const tachyon = require('..');

let serial = 0;

/** An abstract socket name no other test (or clone running tests) uses. */
function socketName(tag) {
  serial += 1;
  return `@tachyon-node-test-${process.pid}-${tag}-${serial}`;
}

/** Connects, retrying while the listener (started on the thread pool) is not bound yet. */
async function connect(path, options = {}) {
  for (let tries = 0; ; tries++) {
    try {
      return await tachyon.Bus.connect(path, options);
    } catch (e) {
      if (!(e instanceof tachyon.NoListenerError) || tries > 2000) throw e;
      await new Promise((r) => setTimeout(r, 2));
    }
  }
}

/** A connected [consumer, producer] pair on a new ring. */
async function pair(capacity = 1 << 16, options = {}) {
  const path = socketName('pair');
  const listening = tachyon.Bus.listen(path, capacity, options);
  const producer = await connect(path, options);
  const consumer = await listening;
  return [consumer, producer];
}

/** Runs `node -e script` with args; resolves to { code, stdout, stderr }. */
function runNode(script, args = [], env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script, ...args], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

module.exports = { socketName, connect, pair, runNode, tachyon };
