/** Runs flows on the simulator for interpreter tests. */
import { SimEngine } from '../../src/engine/sim/SimEngine.js';
import { SimCallLeg } from '../../src/engine/sim/SimCallLeg.js';
import type { CallerStep } from '../../src/engine/sim/types.js';
import { silentLogger } from '../../src/logger.js';
import { FlowInterpreter, type IvrRunResult, type PinnedFlow } from '../../src/ivr/interpreter.js';
import { loadFlow, formatProblem } from '../../src/ivr/loader.js';
import { MockHttpClient, type MockHttpRule } from '../../src/ivr/http.js';
import { MemoryCallbackHandoff, MemoryEventSink, MemoryMessageSink, MemorySurveySink, RecordingQueueHandoff } from '../../src/ivr/memoryServices.js';
import type { HttpClient, QueueResult } from '../../src/ivr/types.js';
import type { FlowDefinition } from '../../src/ivr/schema.js';

export function flowFrom(yaml: string): FlowDefinition {
  const r = loadFlow(yaml, 'test.yaml', {});
  if (!r.ok) throw new Error(r.problems.map(formatProblem).join('\n'));
  return r.flow;
}

export interface SimRunOptions {
  script?: CallerStep[];
  at?: string;
  http?: MockHttpRule[] | (HttpClient & { inFlight?: number });
  queueResult?: QueueResult;
  queueStats?: Record<string, { waiting: number; ewtSeconds: number }>;
  maxMs?: number;
  extraFlows?: PinnedFlow[];
  maxSteps?: number;
  from?: string;
  secrets?: Record<string, string>;
  onCall?: (leg: SimCallLeg) => void;
}

export interface SimRun {
  result: IvrRunResult;
  heard: string[];
  leg: SimCallLeg;
  queue: RecordingQueueHandoff;
  callbacks: MemoryCallbackHandoff;
  surveys: MemorySurveySink;
  messages: MemoryMessageSink;
  events: MemoryEventSink;
  engine: SimEngine;
  http: HttpClient;
}

export async function runOnSim(flow: FlowDefinition | PinnedFlow, options: SimRunOptions = {}): Promise<SimRun> {
  const pinnedRoot: PinnedFlow = 'flow' in flow && 'version' in flow ? (flow as PinnedFlow) : { flow: flow as FlowDefinition, version: 1 };
  const start = Date.parse(options.at ?? '2026-01-05T10:00:00Z');
  const engine = new SimEngine({ seed: 7, startTime: start });
  await engine.start();
  const queue = new RecordingQueueHandoff(() => options.queueResult ?? { outcome: 'ended' }, options.queueStats ?? {});
  const callbacks = new MemoryCallbackHandoff();
  const surveys = new MemorySurveySink();
  const messages = new MemoryMessageSink();
  const events = new MemoryEventSink();
  const http = Array.isArray(options.http) || !options.http ? new MockHttpClient(engine.clock, options.http ?? []) : options.http;
  const interpreter = new FlowInterpreter({
    clock: engine.clock,
    logger: silentLogger(),
    ...(options.maxSteps ? { maxSteps: options.maxSteps } : {}),
    services: { queue, callback: callbacks, survey: surveys, messages, events, http, secrets: (n) => options.secrets?.[n] },
  });
  const flows = new Map<string, PinnedFlow>([[pinnedRoot.flow.id, pinnedRoot], ...(options.extraFlows ?? []).map((p) => [p.flow.id, p] as const)]);
  let result: IvrRunResult | undefined;
  let failure: unknown;
  let leg: SimCallLeg | undefined;
  engine.on('call', (l) => {
    leg = l as SimCallLeg;
    options.onCall?.(leg);
    interpreter.run(l, flows, pinnedRoot.flow.id).then((r) => (result = r), (e: unknown) => (failure = e));
  });
  engine.placeCall({ from: options.from ?? '+15551230001', to: '+18005550100', script: options.script ?? [] });
  const deadline = start + (options.maxMs ?? 3_600_000);
  const inFlight = () => (http as { inFlight?: number }).inFlight ?? 0;
  while (!result && failure === undefined && engine.clock.now() < deadline) {
    // Real I/O (a local HTTP server) happens in wall time: hold virtual time still meanwhile.
    if (inFlight() > 0) await new Promise((r) => setTimeout(r, 2));
    else await engine.clock.runFor(250);
  }
  await engine.stop();
  if (failure !== undefined) throw failure;
  if (!result || !leg) throw new Error('the flow did not finish');
  return { result, heard: leg.promptsHeard.map((p) => p.text).filter(Boolean), leg, queue, callbacks, surveys, messages, events, engine, http };
}

export function nodesOf(r: SimRun): string[] {
  return r.result.path.map((v) => v.node);
}
