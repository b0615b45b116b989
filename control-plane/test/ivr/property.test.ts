/**
 * Property: random flows (any schema-valid wiring, including busy loops the validator
 * would refuse) with random callers, CRM answers and queue results never crash the
 * interpreter or the validator, and every run ends in a terminal outcome within the step
 * bound, with the call hung up.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { FlowSchema } from '../../src/ivr/schema.js';
import { loadFlow } from '../../src/ivr/loader.js';
import { stringify as toYaml } from 'yaml';
import { runOnSim } from './helpers.js';
import type { CallerStep } from '../../src/engine/sim/types.js';
import type { QueueResult } from '../../src/ivr/types.js';

const MAX_STEPS = 60;
const CONDITIONS = ['vip == true', 'caller == "+15551230001"', 'time.hour >= 9 && time.hour < 17', 'choice == "1"', 'queueWaiting("billing") > 3', "(x | length) > 2"];

function nodeArb(ids: string[]): fc.Arbitrary<Record<string, unknown>> {
  const target = fc.constantFrom(...ids);
  const prompt = fc.constantFrom('Hello ${caller}.', 'Press a key.', 'Your choice was ${choice}.');
  return fc.oneof(
    fc.record({ kind: fc.constant('play'), prompt, barge_in: fc.boolean(), next: target }),
    fc.record({
      kind: fc.constant('menu'),
      prompt,
      options: fc.dictionary(fc.constantFrom('1', '2', '3', '*', '#'), target, { minKeys: 1, maxKeys: 3 }),
      tries: fc.integer({ min: 1, max: 3 }),
      timeout_ms: fc.constantFrom(500, 2000),
      variable: fc.constant('choice'),
      default: target,
    }),
    fc.record({
      kind: fc.constant('collect'),
      prompt,
      variable: fc.constant('x'),
      min_length: fc.constant(1),
      max_length: fc.integer({ min: 1, max: 5 }),
      tries: fc.integer({ min: 1, max: 2 }),
      next: target,
      on_failure: target,
    }),
    fc.record({ kind: fc.constant('condition'), branches: fc.array(fc.record({ when: fc.constantFrom(...CONDITIONS), next: target }), { minLength: 1, maxLength: 3 }), default: target }),
    fc.record({ kind: fc.constant('set'), variables: fc.record({ vip: fc.boolean(), x: fc.constantFrom('abc', '${x}z') }), next: target }),
    fc.record({ kind: fc.constant('schedule'), timezone: fc.constantFrom('UTC', 'Asia/Tokyo'), hours: fc.constant({ mon: '09:00-17:00' }), open: target, closed: target }),
    fc.record({ kind: fc.constant('http'), url: fc.constant('https://crm.example.com/x?c=${caller}'), timeout_ms: fc.constantFrom(200, 2000), map: fc.constant({ vip: 'response.body.vip' }), next: target, on_error: target }),
    fc.record({ kind: fc.constant('queue'), queue: fc.constant('billing'), skills: fc.constant(['billing']), after_agent: target, on_failure: target }),
    fc.record({ kind: fc.constant('transfer'), target: fc.constant('2001') }),
    fc.record({ kind: fc.constant('hangup') }),
    fc.record({ kind: fc.constant('voicemail'), mailbox: fc.constant('box'), max_duration_ms: fc.constant(5000) }),
    fc.record({ kind: fc.constant('record_message'), max_duration_ms: fc.constant(3000), next: target }),
    fc.record({ kind: fc.constant('callback'), queue: fc.constant('billing'), on_failure: target }),
    fc.record({ kind: fc.constant('survey'), questions: fc.constant([{ id: 'q1', prompt: 'Rate us.' }]), next: fc.option(target, { nil: undefined }) }),
    fc.record({ kind: fc.constant('goto'), node: target }),
    fc.record({ kind: fc.constant('return') }),
  );
}

const flowArb = fc.integer({ min: 1, max: 10 }).chain((n) => {
  const ids = Array.from({ length: n }, (_, i) => `n${i}`);
  return fc.record({
    id: fc.constant('random'),
    variables: fc.constant({ vip: false, choice: '', x: '' }),
    entry: fc.constantFrom(...ids),
    nodes: fc.tuple(...ids.map(() => nodeArb(ids))).map((nodes) => Object.fromEntries(nodes.map((node, i) => [ids[i], stripUndefined(node)]))),
  });
});

function stripUndefined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

const stepArb: fc.Arbitrary<CallerStep> = fc.oneof(
  fc.record({ afterMs: fc.integer({ min: 0, max: 5000 }), dtmf: fc.stringMatching(/^[0-9*#]{1,4}$/) }),
  fc.record({ afterMs: fc.integer({ min: 0, max: 30000 }), hangup: fc.constant(true as const) }),
);

const queueResultArb: fc.Arbitrary<QueueResult> = fc.oneof(
  fc.constant<QueueResult>({ outcome: 'ended' }),
  fc.constant<QueueResult>({ outcome: 'returned', agentId: 'a1' }),
  fc.constant<QueueResult>({ outcome: 'failed', reason: 'closed' }),
);

describe('ivr interpreter property', () => {
  it('random flows and callers always end in a terminal outcome within the step bound', async function () {
    this.timeout(60_000);
    await fc.assert(
      fc.asyncProperty(
        flowArb,
        fc.array(stepArb, { maxLength: 6 }),
        queueResultArb,
        fc.constantFrom<'ok' | 'error' | 'timeout' | 'slow'>('ok', 'error', 'timeout', 'slow'),
        async (raw, script, queueResult, crm) => {
          const flow = FlowSchema.parse(raw);
          // The validator never throws, whatever the wiring.
          const checked = loadFlow(toYaml(raw), 'random.yaml', { knownQueues: new Set(['billing']) });
          assert.ok(checked.ok || checked.problems.length > 0);
          const http =
            crm === 'ok'
              ? [{ url: '*', body: { vip: true } }]
              : crm === 'error'
                ? [{ url: '*', status: 503 }]
                : crm === 'timeout'
                  ? [{ url: '*', error: 'timeout' as const }]
                  : [{ url: '*', delayMs: 1000, body: { vip: false } }];
          const r = await runOnSim(flow, { script, queueResult, http, maxSteps: MAX_STEPS, queueStats: { billing: { waiting: 5, ewtSeconds: 60 } } });
          const kinds = ['queued', 'transferred', 'voicemail', 'callback', 'hangup', 'caller-hangup', 'completed', 'error'];
          assert.ok(kinds.includes(r.result.outcome.kind), JSON.stringify(r.result.outcome));
          if (r.result.outcome.kind === 'error') {
            assert.match(r.result.outcome.message, /stopped after \d+ node visits|is not deployed/, JSON.stringify(r.result.outcome));
          }
          assert.ok(r.result.path.length <= MAX_STEPS);
          if (r.result.outcome.kind !== 'queued' || r.result.outcome.result !== 'ended') {
            assert.equal(r.leg.state, 'ended', `call still up after ${JSON.stringify(r.result.outcome)}`);
          }
          const ended = r.events.events.filter((e) => e.type === 'ivr.ended');
          assert.equal(ended.length, 1);
          assert.equal(r.events.events.filter((e) => e.type === 'ivr.node').length, r.result.path.length);
        },
      ),
      { numRuns: 100 },
    );
  });
});
