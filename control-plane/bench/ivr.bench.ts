/**
 * IVR benchmark: how fast flows validate, and how many simulated calls per second the
 * interpreter runs through the main-menu example (language menu, account collect, HTTP
 * balance lookup with a mocked CRM, goodbye). Virtual time, so the figure is CPU cost.
 */
import { readFileSync } from 'node:fs';
import { SimEngine } from '../src/engine/sim/SimEngine.js';
import { silentLogger } from '../src/logger.js';
import { loadFlow } from '../src/ivr/loader.js';
import { FlowInterpreter, type PinnedFlow } from '../src/ivr/interpreter.js';
import { MockHttpClient } from '../src/ivr/http.js';
import { MemoryCallbackHandoff, MemoryEventSink, MemoryMessageSink, MemorySurveySink, RecordingQueueHandoff } from '../src/ivr/memoryServices.js';

const source = readFileSync('ivr-flows/main-menu.yaml', 'utf8');
const queues = new Set(['billing', 'support']);

// 1. Validation.
const VALIDATIONS = 500;
let t0 = performance.now();
for (let i = 0; i < VALIDATIONS; i++) {
  const r = loadFlow(source, 'main-menu.yaml', { knownQueues: queues });
  if (!r.ok) throw new Error('main-menu.yaml does not validate');
}
const validateMs = performance.now() - t0;
const validationsPerS = Math.round((VALIDATIONS / validateMs) * 1000);
console.log(`validate main-menu.yaml: ${VALIDATIONS} in ${validateMs.toFixed(0)} ms (${validationsPerS}/s, ${((validateMs / VALIDATIONS) * 1000).toFixed(0)} µs each)`);

// 2. Calls through the interpreter on the simulator.
const r = loadFlow(source, 'main-menu.yaml', {});
if (!r.ok) throw new Error('invalid');
const pinned = new Map<string, PinnedFlow>([[r.flow.id, { flow: r.flow, version: 1 }]]);
const CALLS = 1000;
const engine = new SimEngine({ seed: 11 });
await engine.start();
const events = new MemoryEventSink();
const interpreter = new FlowInterpreter({
  clock: engine.clock,
  logger: silentLogger(),
  services: {
    queue: new RecordingQueueHandoff(),
    callback: new MemoryCallbackHandoff(),
    survey: new MemorySurveySink(),
    messages: new MemoryMessageSink(),
    events,
    http: new MockHttpClient(engine.clock, [{ url: 'https://crm.example.com/*', body: { balance: 10, name: 'Ada' }, delayMs: 150 }]),
    secrets: () => 'token',
  },
});
let done = 0;
const outcomes = new Map<string, number>();
engine.on('call', (leg) => {
  void interpreter.run(leg, pinned, r.flow.id).then((res) => {
    done++;
    outcomes.set(res.outcome.kind, (outcomes.get(res.outcome.kind) ?? 0) + 1);
  });
});
for (let i = 0; i < CALLS; i++) {
  engine.placeCall({
    from: `+1555${String(i).padStart(7, '0')}`,
    to: '+18005550100',
    at: engine.clock.now() + i * 500,
    script: [
      { waitForPrompt: 'For English', afterMs: 300, dtmf: '1' },
      { waitForPrompt: 'For your balance', afterMs: 300, dtmf: i % 3 === 0 ? '2' : '1' },
      { waitForPrompt: 'account number', afterMs: 500, dtmf: '123456#' },
    ],
  });
}
t0 = performance.now();
while (done < CALLS) await engine.clock.runFor(10_000);
const runMs = performance.now() - t0;
await engine.stop();
const visits = events.events.filter((e) => e.type === 'ivr.node').length;
const callsPerS = Math.round((CALLS / runMs) * 1000);
const visitsPerS = Math.round((visits / runMs) * 1000);
console.log(`interpreter: ${CALLS} calls, ${visits} node visits in ${runMs.toFixed(0)} ms wall (${callsPerS} calls/s, ${visitsPerS} node visits/s)`);
console.log(`outcomes: ${[...outcomes].map(([k, v]) => `${k}=${v}`).join(' ')}`);
console.log(`validations_per_s=${validationsPerS} ivr_calls_per_s=${callsPerS} node_visits_per_s=${visitsPerS}`);
