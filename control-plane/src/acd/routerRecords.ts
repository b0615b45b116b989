/**
 * The routing core's records and types: agents and interactions as the Router keeps them,
 * the order of service, what a router call returns, and the snapshot shape. Router.ts holds
 * the indexes and the decisions.
 */
import type { AgentState, Channel } from '../domainEvents.js';
import { CHANNELS } from '../domainEvents.js';
import type { AgentConfig, SkillRequirement } from './AcdTypes.js';

export type Presence = 'logged-out' | 'ready' | 'not-ready' | 'wrap-up';
export type InteractionPhase = 'waiting' | 'offered' | 'connected';

export interface Alternative {
  skills: SkillRequirement[];
  /** Agents allowed (a queue's member list), or null for any agent with the skills. */
  members: ReadonlySet<string> | null;
}

export interface NewInteraction {
  id: string;
  queueId: string;
  channel: Channel;
  priority: number;
  vip: boolean;
  skills: SkillRequirement[];
  language?: string;
  /** Original enqueue time (kept across RONA, overflow and rebuild). */
  enqueuedAt: number;
}

export interface Offer {
  interactionId: string;
  queueId: string;
  channel: Channel;
  /** One agent, or several for ring-all voice. */
  agentIds: string[];
}

export interface CancelledOffer {
  interactionId: string;
  agentId: string;
  why: 'taken-by-other' | 'withdrawn';
}

/** What a call to the router changed: offers to make, offers to stop, agents whose state changed. */
export interface RouterBatch {
  offers: Offer[];
  cancelled: CancelledOffer[];
  changedAgents: string[];
}

export class RouterError extends Error {
  override readonly name = 'RouterError';
  constructor(
    readonly code: 'unknown-agent' | 'unknown-queue' | 'unknown-interaction' | 'conflict',
    message: string,
  ) {
    super(message);
  }
}

interface Assignment {
  channel: Channel;
  phase: 'offered' | 'connected';
}

export class AgentRec {
  readonly ordinal: number;
  config: AgentConfig;
  skills = new Map<string, number>();
  languages = new Set<string>();
  presence: Presence = 'logged-out';
  reason: string | null = null;
  readonly assignments = new Map<string, Assignment>();
  readonly counts: Record<Channel, number> = { voice: 0, chat: 0, email: 0, messenger: 0 };
  /** When the agent last became free of all work (longest-idle). */
  idleSince = 0;
  loginAt = 0;
  busyMs = 0;
  busySince: number | null = null;
  handledToday = 0;
  ronaCount = 0;
  /** Channels whose offerable indexes currently hold this agent. */
  indexed = new Set<Channel>();
  /** Last display state reported (to detect changes). */
  lastState: AgentState = 'logged-out';

  constructor(config: AgentConfig, ordinal: number) {
    this.ordinal = ordinal;
    this.config = config;
    this.applyConfig(config);
  }

  /** Channels this agent can ever take (capacity above 0). */
  channels: Channel[] = [];

  applyConfig(config: AgentConfig): void {
    this.config = config;
    this.channels = CHANNELS.filter((ch) => config.capacity[ch] > 0);
    this.skills = new Map(Object.entries(config.skills));
    this.languages = new Set(config.languages);
  }

  get id(): string {
    return this.config.id;
  }

  get activeCount(): number {
    return this.assignments.size;
  }

  /** State as users see it: presence, unless work makes the agent reserved or busy. */
  get state(): AgentState {
    if (this.presence === 'logged-out' || this.presence === 'wrap-up') return this.presence;
    let connected = false;
    for (const a of this.assignments.values()) if (a.phase === 'connected') connected = true;
    if (connected) return 'busy';
    if (this.assignments.size > 0) return 'reserved';
    return this.presence;
  }

  offerable(channel: Channel): boolean {
    if (this.presence !== 'ready') return false;
    const cap = this.config.capacity[channel];
    if (this.counts[channel] >= cap) return false;
    const nonVoice = this.counts.chat + this.counts.email + this.counts.messenger;
    if (channel === 'voice') return nonVoice <= this.config.nonVoiceWhileVoice;
    if (this.counts.voice > 0) return nonVoice < this.config.nonVoiceWhileVoice;
    return true;
  }

  occupancy(now: number): number {
    if (this.presence === 'logged-out') return 0;
    const logged = now - this.loginAt;
    if (logged <= 0) return 0;
    const busy = this.busyMs + (this.busySince !== null ? now - this.busySince : 0);
    return busy / logged;
  }
}

export class InteractionRec {
  phase: InteractionPhase = 'waiting';
  alternatives: Alternative[] = [];
  readonly offeredTo = new Set<string>();
  agentId: string | null = null;
  /** Agents who declined or did not answer: not offered this interaction again. */
  readonly excluded = new Set<string>();
  /** Index keys this interaction is listed under while waiting. */
  keys: string[] = [];
  escalationsApplied = 0;

  constructor(
    readonly id: string,
    public queueId: string,
    readonly channel: Channel,
    public basePriority: number,
    readonly vip: boolean,
    public priority: number,
    readonly skills: SkillRequirement[],
    readonly language: string | undefined,
    readonly enqueuedAt: number,
    readonly seq: number,
  ) {}
}

/** Service order: higher priority first, then earlier enqueue time, then arrival order. */
export function compareService(a: InteractionRec, b: InteractionRec): number {
  if (a.priority !== b.priority) return b.priority - a.priority;
  if (a.enqueuedAt !== b.enqueuedAt) return a.enqueuedAt - b.enqueuedAt;
  return a.seq - b.seq;
}

export interface RouterSnapshot {
  agents: Array<{
    id: string;
    state: AgentState;
    presence: Presence;
    reason: string | null;
    assignments: Array<{ interactionId: string; channel: Channel; phase: 'offered' | 'connected' }>;
    idleSince: number;
    loginAt: number;
    handledToday: number;
    ronaCount: number;
  }>;
  interactions: Array<{
    id: string;
    queueId: string;
    channel: Channel;
    phase: InteractionPhase;
    priority: number;
    basePriority: number;
    vip: boolean;
    enqueuedAt: number;
    offeredTo: string[];
    agentId: string | null;
    excluded: string[];
    alternatives: Array<{ skills: SkillRequirement[]; members: string[] | null }>;
    escalationsApplied: number;
  }>;
  queues: Array<{ id: string; waiting: number }>;
}

export function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
