/**
 * Runs a flow on a CallLeg, through the MediaEngine port only. A thin sequencer: each
 * node kind (./nodes/*) does its own work; this loop moves between nodes, keeps the
 * call's variables, logs every node visit as an `ivr.node` interaction event, stops on a
 * caller hang-up, and guarantees an end within `maxSteps` node visits.
 *
 * Versions: the run gets a `PinnedFlows` snapshot taken when the call started (its flow
 * and every flow it can enter), so a deploy during the call changes nothing for it.
 */
import { DateTime } from 'luxon';
import type { Clock } from '../clock.js';
import { CallGoneError, type CallLeg, type CollectResult, type PlayResult } from '../engine/port.js';
import { callLogger, type Logger } from '../logger.js';
import type { InteractionEventType } from '../domainEvents.js';
import { ExpressionEngine } from './expressions.js';
import { interactionIdForLeg } from './interactionId.js';
import { buildPrompts, describePrompt, type PromptSpec } from './nodes/common.js';
import { NODE_KINDS } from './nodes/index.js';
import type { FlowDefinition } from './schema.js';
import type { IvrServices, NodeContext, NodeResult, PromptCollectOptions, TerminalOutcome } from './types.js';

export interface PinnedFlow {
  flow: FlowDefinition;
  version: number;
}

/** The flows a call may use, fixed at call start. */
export type PinnedFlows = ReadonlyMap<string, PinnedFlow>;

/** Collects `root` and every flow reachable through subflow/goto, as they are now. */
export function pinFlows(root: PinnedFlow, resolve: (flowId: string) => PinnedFlow | undefined): PinnedFlows {
  const out = new Map<string, PinnedFlow>([[root.flow.id, root]]);
  const todo = [root];
  while (todo.length > 0) {
    const { flow } = todo.pop() as PinnedFlow;
    for (const node of Object.values(flow.nodes)) {
      for (const ref of NODE_KINDS.get(node.kind)?.flows?.(node) ?? []) {
        if (out.has(ref.flow)) continue;
        const found = resolve(ref.flow);
        if (found) {
          out.set(ref.flow, found);
          todo.push(found);
        }
      }
    }
  }
  return out;
}

export function maskVariables(variables: Record<string, unknown>, sensitive: ReadonlySet<string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(variables)) out[k] = sensitive.has(k) ? '***' : v;
  return out;
}

export interface NodeVisit {
  flowId: string;
  version: number;
  node: string;
  kind: string;
  at: number;
  input?: string;
  outcome: string;
}

export interface IvrRunResult {
  outcome: TerminalOutcome;
  path: NodeVisit[];
  variables: Record<string, unknown>;
  /** Prompts the flow asked to play, as text / file path / tone. */
  prompts: string[];
}

export interface InterpreterOptions {
  services: IvrServices;
  clock: Clock;
  logger: Logger;
  /** Node visits per call before the flow is stopped (a guard; the validator rejects busy loops). */
  maxSteps?: number;
  /** After a hang-up, how long a node may take to finish its bookkeeping (voicemail storage). */
  hangupGraceMs?: number;
  /** Prefix for relative prompt files, e.g. `/usr/share/switchboard/prompts`. */
  promptBase?: string;
  /** The interaction a leg belongs to (default: interactionIdForLeg, always a uuid). */
  interactionIdFor?: (leg: CallLeg) => string;
}

export class FlowInterpreter {
  readonly #options: Required<Pick<InterpreterOptions, 'maxSteps' | 'hangupGraceMs'>> & InterpreterOptions;
  readonly #expressions: ExpressionEngine;

  constructor(options: InterpreterOptions) {
    this.#options = { maxSteps: 500, hangupGraceMs: 10_000, ...options };
    const queue = options.services.queue;
    this.#expressions = new ExpressionEngine({
      ...(queue.stats ? { queueStats: { stats: (q: string) => (queue.stats as NonNullable<typeof queue.stats>).call(queue, q) } } : {}),
      now: () => options.clock.now(),
    });
  }

  get expressions(): ExpressionEngine {
    return this.#expressions;
  }

  async run(leg: CallLeg, flows: PinnedFlows, rootFlowId: string, initialVariables: Record<string, unknown> = {}): Promise<IvrRunResult> {
    const root = flows.get(rootFlowId);
    if (!root) throw new Error(`flow ${rootFlowId} is not among the pinned flows`);
    const { clock, services } = this.#options;
    const interactionId = (this.#options.interactionIdFor ?? interactionIdForLeg)(leg);
    const log = callLogger(this.#options.logger, leg.id, { interactionId, flowId: root.flow.id, flowVersion: root.version });
    const variables: Record<string, unknown> = { language: root.flow.language, ...structuredClone(root.flow.variables), ...initialVariables };
    const path: NodeVisit[] = [];
    const prompts: string[] = [];
    const sensitive = new Set<string>();
    const abort = new AbortController();
    void leg.ended.then(() => abort.abort(new CallGoneError(leg.id, 'the caller hung up')));
    const emit = (type: InteractionEventType, data: Record<string, unknown>, queueId?: string) => {
      try {
        services.events.append({ interactionId, type, at: clock.now(), data, ...(queueId ? { queueId } : {}) });
      } catch (err) {
        log.error({ err }, 'ivr event sink failed');
      }
    };

    let current = root;
    let nodeId = root.flow.entry;
    const returnStack: Array<{ pinned: PinnedFlow; node: string }> = [];
    let outcome: TerminalOutcome | undefined;

    try {
      if (leg.state === 'ringing') await leg.answer();
    } catch {
      outcome = { kind: 'caller-hangup', node: nodeId };
    }

    for (let step = 0; outcome === undefined; step++) {
      if (step >= this.#options.maxSteps) {
        outcome = { kind: 'error', node: nodeId, message: `stopped after ${this.#options.maxSteps} node visits (the flow keeps looping)` };
        log.error({ node: nodeId }, 'ivr flow stopped: too many node visits');
        await leg.hangup('NORMAL_TEMPORARY_FAILURE').catch(() => undefined);
        break;
      }
      const node = current.flow.nodes[nodeId];
      const spec = node ? NODE_KINDS.get(node.kind) : undefined;
      if (!node || !spec) {
        outcome = { kind: 'error', node: nodeId, message: `node ${nodeId} is missing from flow ${current.flow.id}` };
        await leg.hangup('NORMAL_TEMPORARY_FAILURE').catch(() => undefined);
        break;
      }
      if (abort.signal.aborted) {
        outcome = { kind: 'caller-hangup', node: nodeId };
        break;
      }
      const ctx = this.#context({ leg, pinned: current, nodeId, interactionId, variables, sensitive, prompts, signal: abort.signal, log, emit });
      const visitAt = clock.now();
      let result: NodeResult;
      try {
        result = await this.#runNode(spec.run(node, ctx), leg);
      } catch (err) {
        const hungUp = abort.signal.aborted || leg.state === 'ended' || err instanceof CallGoneError;
        const message = hungUp ? 'caller hung up' : `error: ${(err as Error).message}`;
        path.push({ flowId: current.flow.id, version: current.version, node: nodeId, kind: node.kind, at: visitAt, outcome: message });
        emit('ivr.node', { flowId: current.flow.id, version: current.version, node: nodeId, kind: node.kind, outcome: message });
        if (hungUp) outcome = { kind: 'caller-hangup', node: nodeId };
        else {
          log.error({ err, node: nodeId }, 'ivr node failed');
          outcome = { kind: 'error', node: nodeId, message: (err as Error).message };
          await leg.hangup('NORMAL_TEMPORARY_FAILURE').catch(() => undefined);
        }
        break;
      }
      const visit: NodeVisit = {
        flowId: current.flow.id,
        version: current.version,
        node: nodeId,
        kind: node.kind,
        at: visitAt,
        outcome: result.outcome,
        ...(result.input !== undefined ? { input: result.input } : {}),
      };
      path.push(visit);
      emit('ivr.node', { flowId: visit.flowId, version: visit.version, node: nodeId, kind: node.kind, outcome: result.outcome, ...(result.input !== undefined ? { input: result.input } : {}) });

      if ('next' in result) nodeId = result.next;
      else if ('end' in result) outcome = result.end;
      else if ('enter' in result) {
        const target = flows.get(result.enter.flow);
        if (!target) {
          outcome = { kind: 'error', node: nodeId, message: `flow ${result.enter.flow} is not deployed` };
          await leg.hangup('NORMAL_TEMPORARY_FAILURE').catch(() => undefined);
          break;
        }
        if (result.returnTo !== undefined) returnStack.push({ pinned: current, node: result.returnTo });
        current = target;
        nodeId = result.enter.node ?? target.flow.entry;
      } else {
        const back = returnStack.pop();
        if (back) {
          current = back.pinned;
          nodeId = back.node;
        } else {
          await leg.hangup('NORMAL_CLEARING').catch(() => undefined);
          outcome = { kind: 'completed' };
        }
      }
    }
    // The variables travel with the interaction (screen pop, webhooks).
    emit('ivr.ended', { flowId: root.flow.id, version: root.version, outcome, steps: path.length, variables: maskVariables(variables, sensitive) });
    log.info({ outcome: outcome.kind, steps: path.length }, 'ivr flow ended');
    return { outcome, path, variables, prompts };
  }

  /** A node that ignores the hang-up gets `hangupGraceMs` to finish, then the run moves on. */
  async #runNode(running: Promise<NodeResult>, leg: CallLeg): Promise<NodeResult> {
    const { clock, hangupGraceMs } = this.#options;
    const stop = new AbortController();
    const late = leg.ended.then(
      () =>
        clock.sleep(hangupGraceMs, stop.signal).then(() => {
          throw new CallGoneError(leg.id, 'the caller hung up and the node did not finish');
        }),
    );
    try {
      return await Promise.race([running, late as Promise<never>]);
    } finally {
      stop.abort();
      late.catch(() => undefined);
    }
  }

  #context(args: {
    leg: CallLeg;
    pinned: PinnedFlow;
    nodeId: string;
    interactionId: string;
    variables: Record<string, unknown>;
    sensitive: Set<string>;
    prompts: string[];
    signal: AbortSignal;
    log: Logger;
    emit: NodeContext['emit'];
  }): NodeContext {
    const { leg, pinned, variables, prompts, signal } = args;
    const { clock, services } = this.#options;
    const expressions = this.#expressions;
    const flow = pinned.flow;
    const promptBase = this.#options.promptBase;
    const scope = (extra: Record<string, unknown> = {}): Record<string, unknown> => {
      const local = DateTime.fromMillis(clock.now(), { zone: flow.timezone });
      return {
        caller: leg.callerId.number,
        caller_name: leg.callerId.name ?? '',
        did: leg.destination,
        call_id: leg.id,
        interaction_id: args.interactionId,
        flow_id: flow.id,
        channel: { ...leg.variables },
        time: {
          hour: local.hour,
          minute: local.minute,
          weekday: local.weekday,
          day: local.toFormat('ccc').toLowerCase(),
          date: local.toISODate(),
          iso: local.toISO(),
        },
        ...variables,
        ...extra,
      };
    };
    const toPrompts = (spec: PromptSpec | PromptSpec[], extra?: Record<string, unknown>) =>
      buildPrompts(spec, (t) => expressions.renderString(t, scope(extra)), {
        language: typeof variables.language === 'string' ? variables.language : flow.language,
        ...(flow.voice ? { voice: flow.voice } : {}),
        ...(promptBase ? { promptBase } : {}),
      });
    const ctx: NodeContext = {
      leg,
      clock,
      signal,
      flow,
      flowVersion: pinned.version,
      nodeId: args.nodeId,
      interactionId: args.interactionId,
      services,
      expressions,
      log: args.log,
      variables,
      setVar(name, value, options) {
        variables[name] = value;
        if (options?.sensitive) args.sensitive.add(name);
        else args.sensitive.delete(name);
      },
      publicVariables: () => maskVariables(variables, args.sensitive),
      scope,
      evaluate: (e, extra) => expressions.evaluate(e, scope(extra)),
      render: (t, extra) => expressions.render(t, scope(extra)),
      renderString: (t, extra) => expressions.renderString(t, scope(extra)),
      toPrompts,
      async play(spec, options = {}): Promise<PlayResult> {
        const list = await toPrompts(spec, options.extra);
        prompts.push(...list.map(describePrompt));
        return leg.play(list, { bargeIn: options.bargeIn ?? false, signal });
      },
      async collect(options: PromptCollectOptions): Promise<CollectResult> {
        const list = options.prompt ? await toPrompts(options.prompt, options.extra) : [];
        prompts.push(...list.map(describePrompt));
        // The port takes one prompt for a collect: play all but the last with barge-in first.
        if (list.length > 1) {
          const r = await leg.play(list.slice(0, -1), { bargeIn: true, signal });
          if (r.interruptedBy !== undefined) list.splice(0, list.length);
        }
        const last = list[list.length - 1];
        return leg.collect({
          ...(last ? { prompt: last } : {}),
          minDigits: options.minDigits,
          maxDigits: options.maxDigits,
          timeoutMs: options.timeoutMs,
          ...(options.interDigitTimeoutMs !== undefined ? { interDigitTimeoutMs: options.interDigitTimeoutMs } : {}),
          ...(options.terminators !== undefined ? { terminators: options.terminators } : {}),
          ...(options.validRegex !== undefined ? { validRegex: options.validRegex } : {}),
          tries: 1,
          signal,
        });
      },
      emit: args.emit,
    };
    return ctx;
  }
}
