import { strict as assert } from 'node:assert';
import { AbandonWindow } from '../../src/dialer/abandonWindow.js';

describe('abandon window', () => {
  it('counts abandons per live answer over the window and forgets what falls out of it', () => {
    const t0 = Date.parse('2026-01-05T14:00:00Z');
    const w = new AbandonWindow(24 * 3600_000);
    for (let i = 0; i < 100; i++) w.recordLive(t0 + i * 1000);
    w.recordAbandon(t0 + 5000);
    w.recordAbandon(t0 + 6000);
    assert.deepEqual(w.totals(t0 + 3600_000), { live: 100, abandoned: 2, ratePct: 2 });
    // The rolling hour two hours later is empty; the 24-h window still holds them.
    assert.equal(w.recent(t0 + 2 * 3600_000, 3600_000).live, 0);
    assert.equal(w.totals(t0 + 2 * 3600_000).ratePct, 2);
    assert.deepEqual(w.totals(t0 + 25 * 3600_000), { live: 0, abandoned: 0, ratePct: 0 });
  });

  it('takes estimated (fractional) counts, e.g. AMD false positives', () => {
    const w = new AbandonWindow(3600_000);
    const t = 1_000_000;
    w.recordLive(t, 9);
    w.recordLive(t, 0.5);
    w.recordAbandon(t, 0.5);
    assert.ok(Math.abs(w.totals(t).ratePct - (100 * 0.5) / 9.5) < 1e-9);
  });
});
