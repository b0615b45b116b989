import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { parseRange } from '../../src/api/routes/recordings.js';

describe('HTTP Range parsing', () => {
  it('handles first-last, open-ended, suffix, and rejects what is outside the file', () => {
    assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 });
    assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 });
    assert.deepEqual(parseRange('bytes=-1000', 100), { start: 0, end: 99 });
    assert.deepEqual(parseRange('bytes=50-1000', 100), { start: 50, end: 99 });
    assert.equal(parseRange(undefined, 100), null);
    assert.equal(parseRange('bytes=0-1,5-6', 100), null, 'multiple ranges: the whole file');
    for (const bad of ['bytes=100-', 'bytes=9-3', 'bytes=-0', 'bytes=-', 'items=0-1']) assert.equal(parseRange(bad, 100), 'unsatisfiable', bad);
  });

  it('always returns a range inside the file', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), fc.nat(20_000), fc.option(fc.nat(20_000)), (size, a, b) => {
      const r = parseRange(`bytes=${a}-${b ?? ''}`, size);
      return r === 'unsatisfiable' || (r !== null && r.start >= 0 && r.end < size && r.start <= r.end);
    }));
  });
});
