/**
 * Runs `*.test.yaml` cases: a scripted caller (DTMF with timing, hang-up at a point),
 * mocked HTTP answers and a fixed clock, against a flow on the simulator. Each case
 * asserts prompts heard, variables set and the final outcome; a failure reports the path
 * the caller took and the first mismatch.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SimEngine } from '../engine/sim/SimEngine.js';
import { SimCallLeg } from '../engine/sim/SimCallLeg.js';
import type { CallerStep } from '../engine/sim/types.js';
import { silentLogger } from '../logger.js';
import { FlowInterpreter, type IvrRunResult, type PinnedFlow } from './interpreter.js';
import { loadFlow, formatProblem } from './loader.js';
import { MockHttpClient } from './http.js';
import { MemoryCallbackHandoff, MemoryEventSink, MemoryMessageSink, MemorySurveySink, RecordingQueueHandoff } from './memoryServices.js';
import { flowSummary, type ValidateOptions } from './validator.js';
import type { QueueResult } from './types.js';

const step = z
  .strictObject({
    wait_for: z.string().optional().describe('Wait until a prompt containing this text starts'),
    after_ms: z.number().int().min(0).optional(),
    dtmf: z.string().regex(/^[0-9*#A-D]+$/).optional(),
    hangup: z.literal(true).optional(),
  })
  .refine((s) => (s.dtmf !== undefined) !== (s.hangup !== undefined), { message: 'each step needs exactly one of dtmf or hangup' });

const caseSchema = z.strictObject({
  name: z.string().min(1),
  caller: z.string().default('+15551230001'),
  caller_name: z.string().optional(),
  did: z.string().optional(),
  at: z.string().default('2026-01-05T09:00:00Z').describe('Virtual time the call arrives (ISO 8601)'),
  variables: z.record(z.string(), z.string()).default({}).describe('Channel variables on the caller leg'),
  script: z.array(step).default([]),
  http: z
    .array(
      z.strictObject({
        method: z.string().optional(),
        url: z.string(),
        status: z.number().int().default(200),
        body: z.unknown().optional(),
        delay_ms: z.number().int().min(0).optional(),
        error: z.enum(['network', 'timeout']).optional(),
      }),
    )
    .default([]),
  queue_result: z
    .strictObject({ outcome: z.enum(['ended', 'returned', 'failed']), agent_id: z.string().optional(), reason: z.string().optional() })
    .default({ outcome: 'ended' }),
  queue_stats: z.record(z.string(), z.strictObject({ waiting: z.number().int().min(0), ewt_seconds: z.number().min(0).default(0) })).default({}),
  max_ms: z.number().int().min(1000).default(1_800_000),
  expect: z
    .strictObject({
      outcome: z.record(z.string(), z.unknown()).optional().describe('Fields that must match, e.g. {kind: queued, queue: billing}'),
      prompts: z.array(z.string()).optional().describe('Heard in this order (substrings)'),
      not_prompts: z.array(z.string()).optional(),
      variables: z.record(z.string(), z.unknown()).optional(),
      path: z.array(z.string()).optional().describe('Exact node ids visited, in order'),
      visits: z.array(z.string()).optional().describe('Nodes that must be visited'),
      survey: z.array(z.strictObject({ question: z.string(), score: z.number().int() })).optional(),
      callback: z.record(z.string(), z.unknown()).optional(),
      messages: z.number().int().min(0).optional().describe('Voicemails / recorded messages stored'),
    })
    .default({}),
});

export const FlowTestFileSchema = z.strictObject({
  flow: z.string().describe('Flow file, relative to this test file'),
  flows: z.array(z.string()).default([]).describe('Other flows it enters (subflow/goto)'),
  queues: z.array(z.string()).optional().describe('Queues that exist (default: not checked)'),
  cases: z.array(caseSchema).min(1),
});
export type FlowTestCase = z.output<typeof caseSchema>;

export interface CaseResult {
  file: string;
  name: string;
  passed: boolean;
  /** The first mismatch, or the validation errors. */
  failure?: string;
  run?: IvrRunResult;
  heard: string[];
  ms: number;
}

export async function runFlowTestFile(testFile: string, options: ValidateOptions = {}): Promise<CaseResult[]> {
  const fail = (name: string, failure: string): CaseResult => ({ file: testFile, name, passed: false, failure, heard: [], ms: 0 });
  let spec: z.output<typeof FlowTestFileSchema>;
  try {
    const parsed = FlowTestFileSchema.safeParse(parseYaml(readFileSync(testFile, 'utf8')));
    if (!parsed.success) {
      return [fail('(test file)', parsed.error.issues.map((i) => `${i.path.join('.') || '(top)'}: ${i.message}`).join('\n'))];
    }
    spec = parsed.data;
  } catch (err) {
    return [fail('(test file)', (err as Error).message)];
  }
  const dir = dirname(testFile);
  const flowFiles = [spec.flow, ...spec.flows].map((f) => resolve(dir, f));
  const sources = flowFiles.map((f) => ({ file: f, source: readFileSync(f, 'utf8') }));
  const validate: ValidateOptions = { ...options, ...(spec.queues ? { knownQueues: new Set(spec.queues) } : {}) };
  const pinned = new Map<string, PinnedFlow>();
  const problems: string[] = [];
  // First pass without cross-flow checks to learn the ids, then validate with them.
  const firstPass = sources.map((s) => loadFlow(s.source, s.file, validate));
  const knownFlows = new Map<string, Set<string>>();
  const knownFlowVariables = new Map<string, Set<string>>();
  for (const r of firstPass) {
    if (!r.ok) continue;
    const summary = flowSummary(r.flow);
    knownFlows.set(r.flow.id, summary.nodes);
    knownFlowVariables.set(r.flow.id, summary.variables);
  }
  for (const s of sources) {
    const r = loadFlow(s.source, s.file, { ...validate, knownFlows, knownFlowVariables });
    if (r.ok) pinned.set(r.flow.id, { flow: r.flow, version: 1 });
    else problems.push(...r.problems.map(formatProblem));
  }
  if (problems.length > 0) return [fail('(flow validation)', problems.join('\n'))];
  const root = [...pinned.values()][0] as PinnedFlow;
  const results: CaseResult[] = [];
  for (const c of spec.cases) results.push(await runCase(testFile, root, pinned, c));
  return results;
}

export async function runCase(file: string, root: PinnedFlow, pinned: Map<string, PinnedFlow>, c: FlowTestCase): Promise<CaseResult> {
  const started = Date.now();
  const at = Date.parse(c.at);
  if (Number.isNaN(at)) return { file, name: c.name, passed: false, failure: `at: "${c.at}" is not an ISO 8601 time`, heard: [], ms: 0 };
  const engine = new SimEngine({ seed: 1, startTime: at });
  await engine.start();
  const queueResult: QueueResult =
    c.queue_result.outcome === 'failed'
      ? { outcome: 'failed', reason: c.queue_result.reason ?? 'queue refused the call' }
      : { outcome: c.queue_result.outcome, ...(c.queue_result.agent_id ? { agentId: c.queue_result.agent_id } : {}) };
  const queue = new RecordingQueueHandoff(
    () => queueResult,
    Object.fromEntries(Object.entries(c.queue_stats).map(([q, s]) => [q, { waiting: s.waiting, ewtSeconds: s.ewt_seconds }])),
  );
  const survey = new MemorySurveySink();
  const callback = new MemoryCallbackHandoff();
  const messages = new MemoryMessageSink();
  const interpreter = new FlowInterpreter({
    clock: engine.clock,
    logger: silentLogger(),
    services: {
      queue,
      callback,
      survey,
      messages,
      events: new MemoryEventSink(),
      http: new MockHttpClient(
        engine.clock,
        c.http.map((h) => ({
          url: h.url,
          status: h.status,
          ...(h.method ? { method: h.method } : {}),
          ...(h.body !== undefined ? { body: h.body } : {}),
          ...(h.delay_ms !== undefined ? { delayMs: h.delay_ms } : {}),
          ...(h.error ? { error: h.error } : {}),
        })),
      ),
      secrets: (name) => `test-secret-${name}`,
    },
  });
  let run: IvrRunResult | undefined;
  let runError: Error | undefined;
  let leg: SimCallLeg | undefined;
  engine.on('call', (l) => {
    if (l instanceof SimCallLeg) leg = l;
    interpreter.run(l, pinned, root.flow.id).then(
      (r) => (run = r),
      (err: Error) => (runError = err),
    );
  });
  const script: CallerStep[] = c.script.map((s) => ({
    ...(s.wait_for !== undefined ? { waitForPrompt: s.wait_for } : {}),
    ...(s.after_ms !== undefined ? { afterMs: s.after_ms } : {}),
    ...(s.hangup ? { hangup: true as const } : { dtmf: s.dtmf as string }),
  }));
  engine.placeCall({
    from: c.caller,
    to: c.did ?? root.flow.dids[0] ?? '+18005550100',
    script,
    variables: c.variables,
    ...(c.caller_name ? { callerName: c.caller_name } : {}),
  });
  const deadline = at + c.max_ms;
  while (!run && !runError && engine.clock.now() < deadline) await engine.clock.runFor(1000);
  await engine.stop();
  const heard = leg ? leg.promptsHeard.map((p) => p.text).filter((t) => t !== '') : [];
  const base = { file, name: c.name, heard, ms: Date.now() - started };
  if (runError) return { ...base, passed: false, failure: `the interpreter failed: ${runError.message}` };
  if (!run) return { ...base, passed: false, failure: `the flow did not finish within ${c.max_ms} ms of virtual time` };
  const failure = firstMismatch(c, run, heard, { survey, callback, messages });
  return { ...base, run, passed: failure === undefined, ...(failure ? { failure } : {}) };
}

function firstMismatch(
  c: FlowTestCase,
  run: IvrRunResult,
  heard: string[],
  sinks: { survey: MemorySurveySink; callback: MemoryCallbackHandoff; messages: MemoryMessageSink },
): string | undefined {
  const e = c.expect;
  const nodes = run.path.map((v) => v.node);
  if (e.path && !isDeepStrictEqual(nodes, e.path)) {
    const i = e.path.findIndex((n, k) => nodes[k] !== n);
    const at = i < 0 ? e.path.length : i;
    return `path differs at step ${at + 1}: expected ${JSON.stringify(e.path[at] ?? '(end)')}, got ${JSON.stringify(nodes[at] ?? '(end)')}`;
  }
  for (const v of e.visits ?? []) if (!nodes.includes(v)) return `node "${v}" was never visited`;
  if (e.prompts) {
    let from = 0;
    for (const want of e.prompts) {
      const idx = heard.findIndex((h, k) => k >= from && h.includes(want));
      if (idx < 0) {
        const seenEarlier = heard.some((h) => h.includes(want));
        return `prompt "${want}" was ${seenEarlier ? 'heard, but not in the expected order' : 'never heard'}`;
      }
      from = idx + 1;
    }
  }
  for (const not of e.not_prompts ?? []) {
    const h = heard.find((p) => p.includes(not));
    if (h !== undefined) return `prompt "${not}" was heard ("${h}") but should not be`;
  }
  for (const [name, want] of Object.entries(e.variables ?? {})) {
    if (!isDeepStrictEqual(run.variables[name], want)) return `variable ${name} is ${JSON.stringify(run.variables[name])}, expected ${JSON.stringify(want)}`;
  }
  if (e.outcome) {
    const got = run.outcome as unknown as Record<string, unknown>;
    for (const [k, want] of Object.entries(e.outcome)) {
      if (!isDeepStrictEqual(got[k], want)) return `outcome ${k} is ${JSON.stringify(got[k])}, expected ${JSON.stringify(want)} (outcome: ${JSON.stringify(run.outcome)})`;
    }
  }
  if (e.survey) {
    const got = sinks.survey.answers.map((a) => ({ question: a.question, score: a.score }));
    if (!isDeepStrictEqual(got, e.survey)) return `survey answers are ${JSON.stringify(got)}, expected ${JSON.stringify(e.survey)}`;
  }
  if (e.callback) {
    const got = sinks.callback.requests[0] as unknown as Record<string, unknown> | undefined;
    if (!got) return 'no callback was requested';
    for (const [k, want] of Object.entries(e.callback)) {
      if (!isDeepStrictEqual(got[k], want)) return `callback ${k} is ${JSON.stringify(got[k])}, expected ${JSON.stringify(want)}`;
    }
  }
  if (e.messages !== undefined && sinks.messages.messages.length !== e.messages) {
    return `${sinks.messages.messages.length} message(s) stored, expected ${e.messages}`;
  }
  return undefined;
}

/** Human-readable report of one case: verdict, and on failure the path and the mismatch. */
export function formatCaseResult(r: CaseResult): string {
  if (r.passed) return `  ✓ ${r.name} (${r.ms} ms)`;
  const lines = [`  ✗ ${r.name}`, `      ${(r.failure ?? '').split('\n').join('\n      ')}`];
  if (r.run) {
    lines.push('      path taken:');
    for (const v of r.run.path) {
      const t = new Date(v.at).toISOString().slice(11, 23);
      lines.push(`        ${t} ${v.flowId}/${v.node} (${v.kind})${v.input ? ` input=${v.input}` : ''} → ${v.outcome}`);
    }
    lines.push(`      outcome: ${JSON.stringify(r.run.outcome)}`);
    if (r.heard.length > 0) lines.push(`      heard: ${r.heard.map((h) => JSON.stringify(h)).join(', ')}`);
  }
  return lines.join('\n');
}
