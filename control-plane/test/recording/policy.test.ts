import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { renderName, recordingPolicySchema, shouldRecord } from '../../src/recording/policy.js';

describe('recording policy (pure)', () => {
  it('records all, none, or a stable share of interactions close to the percentage', () => {
    fc.assert(fc.property(fc.uuid(), (id) => shouldRecord({ mode: 'all', percentage: 0 }, id) && !shouldRecord({ mode: 'none', percentage: 100 }, id)));
    fc.assert(fc.property(fc.uuid(), fc.integer({ min: 0, max: 100 }), (id, pct) =>
      shouldRecord({ mode: 'percentage', percentage: pct }, id) === shouldRecord({ mode: 'percentage', percentage: pct }, id)));
    // Raising the percentage never un-records an interaction that was recorded.
    fc.assert(fc.property(fc.uuid(), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), (id, a, b) =>
      !shouldRecord({ mode: 'percentage', percentage: Math.min(a, b) }, id) || shouldRecord({ mode: 'percentage', percentage: Math.max(a, b) }, id)));
    const ids = fc.sample(fc.uuid(), 4000);
    const share = ids.filter((id) => shouldRecord({ mode: 'percentage', percentage: 25 }, id)).length / ids.length;
    assert.ok(share > 0.22 && share < 0.28, `25 % policy recorded ${share}`);
  });

  it('fills the naming template and keeps every name inside the storage directory', () => {
    const name = renderName('{yyyy}/{MM}/{dd}/{queue}/{caller}-{interactionId}', {
      interactionId: 'i-1', recordingId: 'r-1', queue: 'sales', caller: '+1 (555) 000', startedAt: Date.parse('2026-01-05T08:00:00Z'), format: 'wav',
    });
    assert.equal(name, '2026/01/05/sales/+1__555__000-i-1.wav');
    fc.assert(fc.property(fc.string(), fc.string(), (queue, caller) => {
      const n = renderName('{queue}/{caller}/{interactionId}', { interactionId: 'x', recordingId: 'y', queue, caller, startedAt: 0, format: 'wav' });
      return !n.split('/').some((part) => part === '..' || part === '.') && !n.startsWith('/');
    }));
  });

  it('explains a bad policy', () => {
    const r = recordingPolicySchema.safeParse({ mode: 'all', namingTemplate: '{queue}/{date}' });
    assert.equal(r.success, false);
    assert.match(r.error!.issues[0]!.message, /must contain \{interactionId\} or \{recordingId\}/);
  });
});
