/**
 * The running set of flows: the active version of each flow and the DID → flow routes,
 * held in memory (a call's start reads them with no I/O) and persisted through FlowStore.
 * `deploy` validates first: an invalid flow is refused with every problem listed, and
 * the running version stays. New calls take the new version; calls in progress keep the
 * snapshot they started with (see `flowsForDid`).
 */
import { TypedEmitter } from '../events.js';
import { FlowValidationError, formatProblem, loadFlow } from './loader.js';
import { pinFlows, type PinnedFlow, type PinnedFlows } from './interpreter.js';
import type { DeployOutcome, FlowStore } from './FlowStore.js';
import { flowSummary, type ValidateOptions } from './validator.js';

export type FlowRegistryEvents = {
  deployed: [DeployOutcome & { file?: string }];
  refused: [{ file: string; problems: FlowValidationError['problems'] }];
};

export interface FlowRegistryOptions {
  store: FlowStore;
  /** Queue ids that exist (default: read from the queues table on each deploy); undefined: not checked. */
  knownQueues?: () => Promise<Iterable<string> | undefined> | Iterable<string> | undefined;
  promptExists?: ValidateOptions['promptExists'];
  promptsDescription?: string;
}

export class FlowRegistry extends TypedEmitter<FlowRegistryEvents> {
  readonly #options: FlowRegistryOptions;
  #flows = new Map<string, PinnedFlow>();
  #dids = new Map<string, string>();
  /** Deploys run one at a time so validation sees the flows deployed before. */
  #chain: Promise<unknown> = Promise.resolve();

  constructor(options: FlowRegistryOptions) {
    super();
    this.#options = options;
  }

  /**
   * Loads the active versions and DID routes from the database. Each stored version is
   * read again from its YAML source, so fields added to the format since it was deployed
   * get their defaults; a version that no longer reads is left out and returned.
   */
  async load(): Promise<Array<{ flowId: string; version: number; problems: string[] }>> {
    const store = this.#options.store;
    const [versions, routes] = await Promise.all([store.activeVersions(), store.didRoutes()]);
    const unreadable: Array<{ flowId: string; version: number; problems: string[] }> = [];
    const flows = new Map<string, PinnedFlow>();
    for (const v of versions) {
      const r = loadFlow(v.source, v.file ?? `${v.flowId}@${v.version}`);
      if (r.ok) flows.set(v.flowId, { flow: r.flow, version: v.version });
      else unreadable.push({ flowId: v.flowId, version: v.version, problems: r.problems.map(formatProblem) });
    }
    this.#flows = flows;
    this.#dids = new Map(routes.map((r) => [r.did, r.flowId]));
    return unreadable;
  }

  /** Validates and deploys; throws FlowValidationError (nothing changed) when invalid. */
  deploy(source: string, file = 'flow.yaml', by?: string): Promise<DeployOutcome> {
    const run = this.#chain.then(() => this.#deploy(source, file, by));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #deploy(source: string, file: string, by?: string): Promise<DeployOutcome> {
    const queues = this.#options.knownQueues ? await this.#options.knownQueues() : await this.#options.store.queueIds();
    const knownQueues = queues ? new Set(queues) : undefined;
    const summaries = new Map([...this.#flows].map(([id, p]) => [id, flowSummary(p.flow)]));
    const knownFlows = new Map<string, ReadonlySet<string>>([...summaries].map(([id, s]) => [id, s.nodes]));
    const knownFlowVariables = new Map<string, ReadonlySet<string>>([...summaries].map(([id, s]) => [id, s.variables]));
    // The flow being deployed may reference itself (goto to its own node by flow id).
    const base: ValidateOptions = { ...(knownQueues ? { knownQueues } : {}), knownFlowVariables, ...this.#promptOptions() };
    const first = loadFlow(source, file, base);
    if (first.ok) {
      const own = flowSummary(first.flow);
      knownFlows.set(first.flow.id, own.nodes);
      knownFlowVariables.set(first.flow.id, own.variables);
    }
    const result = first.ok ? loadFlow(source, file, { ...base, knownFlows }) : first;
    if (!result.ok) {
      this.emit('refused', { file, problems: result.problems });
      throw new FlowValidationError(result.problems);
    }
    const outcome = await this.#options.store.deploy(result.flow, source, { file, ...(by ? { by } : {}) });
    this.#flows.set(result.flow.id, { flow: result.flow, version: outcome.version });
    for (const did of result.flow.dids) this.#dids.set(did, result.flow.id);
    this.emit('deployed', { ...outcome, file });
    return outcome;
  }

  #promptOptions(): Pick<ValidateOptions, 'promptExists' | 'promptsDescription'> {
    return {
      ...(this.#options.promptExists ? { promptExists: this.#options.promptExists } : {}),
      ...(this.#options.promptsDescription ? { promptsDescription: this.#options.promptsDescription } : {}),
    };
  }

  async activate(flowId: string, version: number): Promise<boolean> {
    const stored = await this.#options.store.version(flowId, version);
    if (!stored) return false;
    const r = loadFlow(stored.source, stored.file ?? `${flowId}@${version}`);
    if (!r.ok) throw new FlowValidationError(r.problems);
    await this.#options.store.activate(flowId, version);
    this.#flows.set(flowId, { flow: r.flow, version });
    return true;
  }

  async routeDid(did: string, flowId: string): Promise<boolean> {
    if (!this.#flows.has(flowId)) return false;
    await this.#options.store.setDidRoute(did, flowId);
    this.#dids.set(did, flowId);
    return true;
  }

  async unrouteDid(did: string): Promise<boolean> {
    const removed = await this.#options.store.removeDidRoute(did);
    this.#dids.delete(did);
    return removed;
  }

  active(flowId: string): PinnedFlow | undefined {
    return this.#flows.get(flowId);
  }

  list(): Array<{ id: string; version: number; description?: string; dids: string[] }> {
    return [...this.#flows.values()].map((p) => ({
      id: p.flow.id,
      version: p.version,
      ...(p.flow.description ? { description: p.flow.description } : {}),
      dids: [...this.#dids].filter(([, f]) => f === p.flow.id).map(([d]) => d),
    }));
  }

  didRoutes(): Array<{ did: string; flowId: string }> {
    return [...this.#dids].map(([did, flowId]) => ({ did, flowId }));
  }

  /** The snapshot a new call to `did` runs with, or undefined when no flow serves it. */
  flowsForDid(did: string): { rootFlowId: string; flows: PinnedFlows } | undefined {
    const flowId = this.#dids.get(did);
    const root = flowId ? this.#flows.get(flowId) : undefined;
    if (!root) return undefined;
    return { rootFlowId: root.flow.id, flows: pinFlows(root, (id) => this.#flows.get(id)) };
  }
}
