/**
 * The IVR's runtime contracts: what a node kind is, what it may use while it runs, and the
 * small interfaces through which the IVR hands work to the rest of the system (ACD, event
 * log, survey and voicemail storage, HTTP). The lead wires real implementations in main.ts.
 */
import type { z } from 'zod';
import type { Logger } from '../logger.js';
import type { Clock } from '../clock.js';
import type { CallLeg, CollectResult, PlayResult, Prompt } from '../engine/port.js';
import type { InteractionEventType } from '../domainEvents.js';
import type { ExpressionEngine } from './expressions.js';
import type { PromptSpec } from './nodes/common.js';
import type { FlowDefinition } from './schema.js';

export type Path = Array<string | number>;

// ───────────────────────── hand-offs to other areas ─────────────────────────

export interface QueueRequest {
  interactionId: string;
  queue: string;
  skills: string[];
  priority: number;
  vip: boolean;
  /** Everything the flow gathered (caller id, account, intent…): the agent's screen pop. */
  variables: Record<string, unknown>;
  flow: { id: string; version: number };
  /** Aborted when the caller hangs up. */
  signal: AbortSignal;
  /** The flow continues after the agent leaves (`after_agent`): keep the caller on the line. */
  returnAfterAgent?: boolean;
}

/**
 * What the ACD reports back when it is done with a caller:
 * `ended` — the call finished in the ACD (answered and hung up, abandoned, overflowed…);
 * `returned` — the agent left and the caller is back with the flow (post-call survey);
 * `failed` — the queue could not take the call (closed, full, unknown).
 */
export type QueueResult =
  | { outcome: 'ended'; agentId?: string }
  | { outcome: 'returned'; agentId?: string }
  | { outcome: 'failed'; reason: string };

export interface QueueHandoff {
  enqueue(leg: CallLeg, request: QueueRequest): Promise<QueueResult>;
  /** Figures for `queueWaiting("q")` / `queueEwt("q")` in expressions. */
  stats?(queue: string): Promise<{ waiting: number; ewtSeconds: number }> | { waiting: number; ewtSeconds: number };
}

export interface CallbackRequest {
  interactionId: string;
  queue: string;
  number: string;
  variables: Record<string, unknown>;
  flow: { id: string; version: number };
  requestedAt: number;
}

export interface CallbackHandoff {
  requestCallback(request: CallbackRequest): Promise<{ id: string }>;
}

export interface SurveyAnswer {
  interactionId: string;
  agentId: string | null;
  flowId: string;
  flowVersion: number;
  question: string;
  /** 1–5. */
  score: number;
  at: number;
}

export interface SurveySink {
  record(answer: SurveyAnswer): Promise<void>;
}

export interface StoredMessage {
  interactionId: string;
  legId: string;
  /** Mailbox for voicemail; the flow id for record_message. */
  mailbox: string;
  path: string;
  durationMs: number;
  callerNumber: string;
  at: number;
}

/** Where voicemails and recorded messages go (the recording area stores them like recordings). */
export interface MessageSink {
  store(message: StoredMessage): Promise<void>;
}

export interface IvrEvent {
  interactionId: string;
  type: InteractionEventType;
  at: number;
  queueId?: string;
  data: Record<string, unknown>;
}

/** The lead connects this to EventLog.interactionEvent (synchronous append, no await). */
export interface IvrEventSink {
  append(event: IvrEvent): void;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT';
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  timeoutMs: number;
  signal: AbortSignal;
}

export interface HttpResponse {
  status: number;
  body: unknown;
}

/** Rejects on timeout, network failure or abort; any status resolves. */
export interface HttpClient {
  request(request: HttpRequest): Promise<HttpResponse>;
}

/** Secret values by name (HTTP headers); never logged. */
export type SecretResolver = (name: string) => string | undefined;

export interface IvrServices {
  queue: QueueHandoff;
  callback: CallbackHandoff;
  survey: SurveySink;
  messages: MessageSink;
  events: IvrEventSink;
  http: HttpClient;
  secrets: SecretResolver;
}

// ───────────────────────── outcomes ─────────────────────────

export type TerminalOutcome =
  | { kind: 'queued'; queue: string; skills: string[]; priority: number; vip: boolean; result: QueueResult['outcome'] }
  | { kind: 'transferred'; target: string }
  | { kind: 'voicemail'; mailbox: string; path: string; durationMs: number }
  | { kind: 'callback'; queue: string; number: string }
  | { kind: 'hangup'; cause: string }
  | { kind: 'caller-hangup'; node: string }
  | { kind: 'completed' }
  | { kind: 'error'; node: string; message: string };

export type NodeResult =
  | { outcome: string; input?: string; next: string }
  | { outcome: string; input?: string; end: TerminalOutcome }
  /** Continue in another flow; with returnTo, a `return` node there comes back here. */
  | { outcome: string; input?: string; enter: { flow: string; node?: string }; returnTo?: string }
  | { outcome: string; input?: string; return: true };

// ───────────────────────── node kinds ─────────────────────────

export interface NodeLink {
  /** Node id the link points to. */
  target: string;
  /** Edge label for graphs and error messages, e.g. `1`, `on_error`. */
  label: string;
  /** Where the link is written, relative to the node (for file:line:column). */
  path: Path;
}

export interface PromptCollectOptions {
  prompt?: PromptSpec | PromptSpec[];
  minDigits: number;
  maxDigits: number;
  timeoutMs: number;
  interDigitTimeoutMs?: number;
  terminators?: string;
  validRegex?: string;
  /** Extra names for the prompt's templates (e.g. `value` in a read-back). */
  extra?: Record<string, unknown>;
}

/** What a node may use while it runs. Everything goes through the MediaEngine port. */
export interface NodeContext {
  readonly leg: CallLeg;
  readonly clock: Clock;
  /** Aborted when the caller hangs up. */
  readonly signal: AbortSignal;
  readonly flow: FlowDefinition;
  readonly flowVersion: number;
  readonly nodeId: string;
  readonly interactionId: string;
  readonly services: IvrServices;
  readonly expressions: ExpressionEngine;
  readonly log: Logger;
  /** The call's variables (read through `scope()`, written through `setVar`). */
  readonly variables: Record<string, unknown>;
  /** `sensitive`: the value is masked in events, logs and what is handed to the ACD. */
  setVar(name: string, value: unknown, options?: { sensitive?: boolean }): void;
  /** Variables with sensitive values masked: for hand-offs (screen pop) and events. */
  publicVariables(): Record<string, unknown>;
  /** Variables plus built-ins (caller, did, time…) for expressions. */
  scope(extra?: Record<string, unknown>): Record<string, unknown>;
  evaluate(expression: string, extra?: Record<string, unknown>): Promise<unknown>;
  render(template: string, extra?: Record<string, unknown>): Promise<unknown>;
  renderString(template: string, extra?: Record<string, unknown>): Promise<string>;
  toPrompts(spec: PromptSpec | PromptSpec[], extra?: Record<string, unknown>): Promise<Prompt[]>;
  play(spec: PromptSpec | PromptSpec[], options?: { bargeIn?: boolean; extra?: Record<string, unknown> }): Promise<PlayResult>;
  /** One collect attempt (the node runs its own retry loop so it can pick the re-prompt). */
  collect(options: PromptCollectOptions): Promise<CollectResult>;
  emit(type: InteractionEventType, data: Record<string, unknown>, queueId?: string): void;
}

export interface NodeKindSpec<N extends { kind: string }> {
  readonly kind: N['kind'];
  readonly schema: z.ZodType<N>;
  /** True when the node waits for the caller (menu, collect…): loops through it are allowed. */
  readonly waitsForInput: boolean;
  /**
   * For nodes that wait: the link labels taken when the caller presses nothing (menu
   * `default`, collect `on_failure`…). The validator refuses a loop a silent caller
   * would go round forever. Nodes that do not wait follow all their links.
   */
  readonly silentExits?: readonly string[];
  /** One line for docs and `ivr graph`. */
  readonly summary: string;
  links(node: N): NodeLink[];
  /** Bare expressions (not templates) the node evaluates, for validation. */
  expressions?(node: N): Array<{ expression: string; path: Path; extra?: string[] }>;
  /** Names that templates under `path` may use besides variables (e.g. `value`). */
  locals?: Array<{ path: Path; names: string[] }>;
  /** Variables the node sets. */
  assigns?(node: N): string[];
  queues?(node: N): Array<{ queue: string; path: Path }>;
  flows?(node: N): Array<{ flow: string; node?: string; path: Path }>;
  /** Extra semantic checks (time zones, regexes…); report problems through `problem`. */
  check?(node: N, problem: (path: Path, message: string, hint: string) => void): void;
  run(node: N, ctx: NodeContext): Promise<NodeResult>;
}
