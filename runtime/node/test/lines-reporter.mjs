// A node:test reporter for tests/run.py: one "PASS: name", "FAIL: name" (then the
// error, indented) or "SKIP: name (why)" line per top-level test.
import path from 'node:path';

export default async function* linesReporter(source) {
  for await (const event of source) {
    const { type, data } = event;
    if ((type !== 'test:pass' && type !== 'test:fail') || data.nesting !== 0 || !data.file) continue;
    const name = `${path.basename(data.file)}: ${data.name}`;
    if (data.name === data.file && type === 'test:pass') continue; // a file's own wrapper
    if (data.skip !== undefined) {
      yield `SKIP: ${name} (${typeof data.skip === 'string' ? data.skip : 'skipped'})\n`;
    } else if (type === 'test:pass') {
      yield `PASS: ${name}\n`;
    } else {
      const err = data.details && data.details.error;
      const cause = err && err.cause ? err.cause : err;
      const text = String((cause && (cause.stack || cause.message)) || cause || 'failed');
      yield `FAIL: ${name}\n${text.split('\n').slice(0, 12).map((l) => `    ${l}`).join('\n')}\n`;
    }
  }
}
