import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { isWithinCallingWindow } from '../../src/dialer/callingWindow.js';
import { RETRY_OUTCOMES } from '../../src/dialer/campaign.js';
import { planRetry } from '../../src/dialer/retry.js';
import { campaignConfig } from './fixtures.js';

describe('retry scheduling', () => {
  const config = campaignConfig({ maxAttempts: 3, retryDelayMin: { busy: 10, 'no-answer': 60, machine: 240, failed: 30, abandoned: 45 } });
  const zone = 'America/New_York';
  const monday10 = Date.parse('2026-01-05T15:00:00Z'); // 10:00 in New York

  it('waits the delay set for each outcome', () => {
    assert.deepEqual(planRetry(config, { outcome: 'busy', attempts: 1, at: monday10, zone }), { kind: 'retry', at: monday10 + 10 * 60_000 });
    assert.deepEqual(planRetry(config, { outcome: 'no-answer', attempts: 1, at: monday10, zone }), { kind: 'retry', at: monday10 + 60 * 60_000 });
    assert.deepEqual(planRetry(config, { outcome: 'machine', attempts: 1, at: monday10, zone }), { kind: 'retry', at: monday10 + 240 * 60_000 });
    assert.deepEqual(planRetry(config, { outcome: 'abandoned', attempts: 2, at: monday10, zone }), { kind: 'retry', at: monday10 + 45 * 60_000 });
  });

  it('moves a retry that would fall after hours to the next opening of the lead’s window', () => {
    const friday2030 = Date.parse('2026-01-10T01:30:00Z'); // Friday 20:30 in New York
    assert.deepEqual(planRetry(config, { outcome: 'no-answer', attempts: 1, at: friday2030, zone }), { kind: 'retry', at: Date.parse('2026-01-12T14:00:00Z') });
  });

  it('stops after max attempts, and for do-not-call', () => {
    assert.deepEqual(planRetry(config, { outcome: 'busy', attempts: 3, at: monday10, zone }), { kind: 'done', reason: 'max-attempts' });
    assert.deepEqual(planRetry(config, { outcome: 'dnc', attempts: 1, at: monday10, zone }), { kind: 'done', reason: 'dnc' });
  });

  it('an agent callback goes to that agent at the time asked, even past max attempts', () => {
    const callback = config.dispositions.find((d) => d.code === 'callback');
    const tomorrow10 = Date.parse('2026-01-06T15:00:00Z');
    assert.deepEqual(planRetry(config, { outcome: 'answered', attempts: 3, at: monday10, zone, disposition: callback, callbackAt: tomorrow10, callbackAgentId: 'a7' }), {
      kind: 'callback',
      at: tomorrow10,
      agentId: 'a7',
    });
    const sale = config.dispositions.find((d) => d.code === 'sale');
    assert.deepEqual(planRetry(config, { outcome: 'answered', attempts: 1, at: monday10, zone, disposition: sale }), { kind: 'done', reason: 'disposition' });
  });

  it('property: a retry is never before the delay, always inside the window, and never past max attempts', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...RETRY_OUTCOMES),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2026-12-31T00:00:00Z') }),
        fc.constantFrom('America/New_York', 'America/Los_Angeles', 'Europe/London', 'Australia/Sydney'),
        (outcome, attempts, t, z) => {
          const plan = planRetry(config, { outcome, attempts, at: t, zone: z });
          if (attempts >= config.maxAttempts) {
            assert.deepEqual(plan, { kind: 'done', reason: 'max-attempts' });
            return;
          }
          assert.equal(plan.kind, 'retry');
          if (plan.kind !== 'retry') return;
          assert.ok(plan.at >= t + config.retryDelayMin[outcome] * 60_000);
          assert.ok(isWithinCallingWindow(config.callingWindow, z, plan.at));
        },
      ),
      { numRuns: 300 },
    );
  });
});
