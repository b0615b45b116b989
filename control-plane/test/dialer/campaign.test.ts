import { strict as assert } from 'node:assert';
import { applyCampaignPatch, parseCampaignConfig } from '../../src/dialer/campaign.js';
import { DialerValidationError } from '../../src/dialer/errors.js';
import { campaignConfig } from './fixtures.js';

function problems(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof DialerValidationError, `expected a DialerValidationError, got ${String(err)}`);
    return err.problems;
  }
  assert.fail('expected the input to be rejected');
}

describe('dialer campaign schema', () => {
  it('fills defaults a campaign manager expects (3 % cap over 30 days, 25 s ring, weekday window)', () => {
    const c = campaignConfig();
    assert.equal(c.abandon.capPct, 3);
    assert.equal(c.abandon.window, '30d');
    assert.equal(c.abandon.connectWithinMs, 2000);
    assert.equal(c.dialTimeoutSec, 25);
    assert.deepEqual(c.callingWindow.days, ['mon', 'tue', 'wed', 'thu', 'fri']);
    assert.ok(c.dispositions.some((d) => d.code === 'callback' && d.effect === 'callback'));
  });

  it('names the field when the ring time is under 15 s', () => {
    assert.deepEqual(problems(() => campaignConfig({ dialTimeoutSec: 10 })), ['dialTimeoutSec: ring at least 15 seconds before giving up']);
  });

  it('names nested fields: calling window, caller id, time zone, mode', () => {
    const p = problems(() =>
      parseCampaignConfig({
        name: 'x',
        mode: 'turbo',
        target: { kind: 'queue', queueId: 'sales' },
        callerId: { number: '555-1234' },
        callingWindow: { start: '9am', end: '21:00' },
        defaultTimeZone: 'Mars/Olympus',
      }),
    );
    assert.ok(p.includes('mode: expected one of preview, progressive, power, predictive'), p.join('\n'));
    assert.ok(p.includes('callerId.number: expected a valid phone number in E.164 form, e.g. +15551234567'), p.join('\n'));
    assert.ok(p.includes('callingWindow.start: expected a local time as HH:MM (00:00 to 23:59)'), p.join('\n'));
    assert.ok(p.includes('defaultTimeZone: expected an IANA time zone such as America/New_York'), p.join('\n'));
  });

  it('rejects a window that ends before it starts, naming the end', () => {
    assert.deepEqual(problems(() => campaignConfig({ callingWindow: { start: '21:00', end: '09:00' } })), [
      'callingWindow.end: end must be later than start (windows do not span midnight)',
    ]);
  });

  it('requires a message when machines get one, and a connect limit of at most 2 s', () => {
    assert.deepEqual(problems(() => campaignConfig({ amd: { enabled: true, onMachine: 'leave-message' } })), ['amd.message: leaving a message needs amd.message']);
    const p = problems(() => campaignConfig({ abandon: { connectWithinMs: 5000 } }));
    assert.deepEqual(p, ['abandon.connectWithinMs: the rules allow at most 2000 ms']);
  });

  it('keeps the predictive target at or under the cap', () => {
    assert.deepEqual(problems(() => campaignConfig({ abandon: { capPct: 3 }, predictive: { targetAbandonPct: 4 } })), [
      'predictive.targetAbandonPct: the target must not be above abandon.capPct',
    ]);
  });

  it('applies a live pacing patch and rejects unknown or bad fields by name', () => {
    const c = campaignConfig({ mode: 'power', powerRatio: 2 });
    const patched = applyCampaignPatch(c, { powerRatio: 3, predictive: { targetAbandonPct: 1.5 } });
    assert.equal(patched.powerRatio, 3);
    assert.equal(patched.predictive.targetAbandonPct, 1.5);
    assert.equal(patched.callerId.number, c.callerId.number);
    assert.deepEqual(problems(() => applyCampaignPatch(c, { powerRatio: 50 })), ['powerRatio: Too big: expected number to be <=10']);
    const unknown = problems(() => applyCampaignPatch(c, { ratio: 3 }));
    assert.equal(unknown.length, 1);
    assert.match(unknown[0] as string, /ratio/);
  });
});
