'use strict';
// What the Node.js producer and consumer share: the command line and the
// deterministic streams every language generates and checks (../README.md).
// Messages are read and written only through the tachc-generated modules
// (generated/ts, or --generated DIR).
const path = require('path');

const EXIT_OK = 0;
const EXIT_FAIL = 1;
const EXIT_USAGE = 2;
const EXIT_SCHEMA = 3; // refused at connect: schema fingerprint mismatch

const ROOT = path.join(__dirname, '..', '..', '..');
const USAGE = {
  producer: 'producer.js --socket PATH [--stream market|frames] [--count N] [--stamp index|clock] ' +
    '[--mode batch|view] [--batch B] [--quiet] [--generated DIR]',
  consumer: 'consumer.js --socket PATH [--stream market|frames] [--count N] [--stamp index|clock] ' +
    '[--capacity BYTES] [--batch B] [--quiet] [--generated DIR]',
};

function usage(role, why) {
  process.stderr.write(`${role}: ${why}\nusage: ${USAGE[role]}\n`);
  process.exit(EXIT_USAGE);
}

/** The command line, or exit 2. */
function parseArgs(role) {
  const a = { socket: '', stream: 'market', count: 100000, stamp: 'index', capacity: 1 << 22, batch: 1024,
    mode: '', quiet: false, generated: path.join(ROOT, 'generated', 'ts') };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const opt = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(role, `${opt} needs a value`);
      i += 1;
      return argv[i];
    };
    const int = (v) => {
      if (!/^\d+$/.test(v)) usage(role, `${opt}: '${v}' is not a non-negative integer`);
      return Number(v);
    };
    switch (opt) {
      case '--socket': a.socket = value(); break;
      case '--stream': a.stream = value(); break;
      case '--count': a.count = int(value()); break;
      case '--stamp': a.stamp = value(); break;
      case '--capacity': a.capacity = int(value()); break;
      case '--batch': a.batch = int(value()); break;
      case '--mode': a.mode = value(); break;
      case '--generated': a.generated = path.resolve(value()); break;
      case '--quiet': a.quiet = true; break;
      default: usage(role, `unknown option ${opt}`);
    }
  }
  if (!a.socket) usage(role, '--socket is required');
  if (a.stream !== 'market' && a.stream !== 'frames') usage(role, '--stream is market or frames');
  if (a.stamp !== 'index' && a.stamp !== 'clock') usage(role, '--stamp is index or clock');
  if (a.batch < 1 || a.batch > 65536) usage(role, '--batch is 1..65536');
  if (!['', 'batch', 'view'].includes(a.mode)) usage(role, '--mode is batch or view');
  return a;
}

/** The generated module of the stream's schema (market.js or frames.js). */
function schemaModule(a) {
  return require(path.join(a.generated, `${a.stream}.js`));
}

const SYMBOLS = ['BTCUSDT', 'ETHUSDT', 'SOLUSDT', 'DOGEUSDT', 'XRP'];
const BASE_NS = 1700000000000000000n;

const tickType = (market, i) => (i % 3 === 2 ? market.MSG_ASK : market.MSG_BID);
const tickSymbol = (i) => SYMBOLS[i % 5];
const tickPrice = (i) => 1000.0 + (i % 1000003) * 0.25;
// (i * 2654435761) mod 2^32: Math.imul multiplies modulo 2^32 (exact for any safe integer i,
// whose low 32 bits are all the product's low 32 bits depend on), >>> 0 makes it unsigned;
// no BigInt per tick, which cost the batched consumer a tenth of its time.
const tickQuantity = (i) => Math.imul(i, 2654435761) >>> 0;
const tickTimestamp = (i) => BASE_NS + BigInt(i * 1000); // i * 1000 stays below 2^53
/** Frame i's sample k. */
const frameBase = (i) => (i % 65536) * 256;

/** CLOCK_REALTIME in ns (microsecond resolution). */
function realtimeNs() {
  const ms = performance.timeOrigin + performance.now();
  return BigInt(Math.floor(ms * 1000)) * 1000n;
}

function percentilesUs(samples) {
  samples.sort((x, y) => x - y);
  const n = samples.length;
  const at = (q) => (samples[Math.floor((n - 1) * q)] / 1000).toFixed(2);
  return `one-way latency (us): p50 ${at(0.5)}  p90 ${at(0.9)}  p99 ${at(0.99)}  p99.9 ${at(0.999)}  ` +
    `max ${(samples[n - 1] / 1000).toFixed(2)}`;
}

module.exports = {
  EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_SCHEMA, ROOT, parseArgs, schemaModule, tickType, tickSymbol, tickPrice,
  tickQuantity, tickTimestamp, frameBase, realtimeNs, percentilesUs,
};
