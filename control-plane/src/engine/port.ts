/**
 * The MediaEngine port: everything the domain (acd/, ivr/, dialer/, recording/) may ask
 * of a media switch. Adapters: engine/freeswitch (production, ESL) and engine/sim
 * (deterministic simulator for tests, the demo and benchmarks).
 *
 * Rules: promises only; every wait accepts an AbortSignal; failures are the named errors
 * in ./errors.ts; events are a discriminated union on `type`.
 */
import type { TypedEmitter } from '../events.js';
import type { Clock } from '../clock.js';

export * from './errors.js';

/** What a caller hears. */
export type Prompt =
  | { kind: 'file'; path: string }
  /** A tone_stream:// spec, e.g. `%(400,200,425)` or `%(1000,0,1000)`. */
  | { kind: 'tone'; spec: string; durationMs?: number }
  | { kind: 'tts'; text: string; voice?: string; language?: string }
  | { kind: 'silence'; ms: number };

export interface PlayOptions {
  /** A DTMF digit stops the prompt (and is delivered as a normal dtmf event). Default false. */
  bargeIn?: boolean;
  signal?: AbortSignal;
}

export interface PlayResult {
  /** The digit that interrupted the prompt, when bargeIn was on and the caller pressed one. */
  interruptedBy?: string;
}

export interface CollectOptions {
  /** Played first; barge-in is implied (a digit stops it). */
  prompt?: Prompt;
  minDigits: number;
  maxDigits: number;
  /** Time to wait for the first digit after the prompt ends. */
  timeoutMs: number;
  /** Time allowed between digits; defaults to timeoutMs. */
  interDigitTimeoutMs?: number;
  /** Digits that end input early (not included in the result), e.g. `#`. */
  terminators?: string;
  /** Input must match this regular expression (whole string) to be valid. */
  validRegex?: string;
  /** Attempts before giving up (default 1). */
  tries?: number;
  /** Played after an invalid or empty attempt when more tries remain. */
  invalidPrompt?: Prompt;
  signal?: AbortSignal;
}

export interface CollectResult {
  /** Valid digits entered, or '' when none. */
  digits: string;
  /** `ok`: valid input; `timeout`: nothing entered on the last try; `invalid`: input never matched. */
  outcome: 'ok' | 'timeout' | 'invalid';
  terminator?: string;
  attempts: number;
}

export interface RecordOptions {
  /** Path (or object key) the switch writes to. */
  path: string;
  /** Customer and agent on separate channels. */
  stereo: boolean;
  /** Stop by itself after this long. */
  maxDurationMs?: number;
}

export interface Recording {
  readonly id: string;
  readonly path: string;
  readonly stereo: boolean;
  readonly startedAt: number;
  /** Silence the recording (card numbers); the silent span is reported in `stopped`. */
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<RecordingStoppedEvent>;
}

export type MachineDetection = 'human' | 'machine' | 'unknown';

export type EavesdropMode = 'listen' | 'whisper' | 'barge';

export type HangupSide = 'local' | 'remote';

export interface CallerId {
  number: string;
  name?: string;
}

export type LegState = 'ringing' | 'answered' | 'bridged' | 'ended';

export interface DtmfEvent { type: 'dtmf'; legId: string; at: number; digit: string }
export interface AnsweredEvent { type: 'answered'; legId: string; at: number }
export interface BridgedEvent { type: 'bridged'; legId: string; at: number; otherLegId: string }
export interface UnbridgedEvent { type: 'unbridged'; legId: string; at: number; otherLegId: string }
export interface HangupEvent {
  type: 'hangup';
  legId: string;
  at: number;
  /** Q.850 cause name as the switch reports it, e.g. NORMAL_CLEARING, ORIGINATOR_CANCEL. */
  cause: string;
  /** `remote`: the far end hung up; `local`: we hung up. */
  side: HangupSide;
}
export interface PlaybackDoneEvent { type: 'playback.done'; legId: string; at: number; prompt: Prompt; interrupted: boolean }
export interface RecordingStoppedEvent {
  type: 'recording.stopped';
  legId: string;
  at: number;
  recordingId: string;
  path: string;
  durationMs: number;
  /** Spans (ms from recording start) silenced by pause/resume. */
  pausedSpans: Array<{ fromMs: number; toMs: number }>;
}
export interface MachineDetectedEvent { type: 'machine.detected'; legId: string; at: number; result: MachineDetection }

export type CallLegEvent =
  | DtmfEvent
  | AnsweredEvent
  | BridgedEvent
  | UnbridgedEvent
  | HangupEvent
  | PlaybackDoneEvent
  | RecordingStoppedEvent
  | MachineDetectedEvent;

export type CallLegEventMap = { [E in CallLegEvent as E['type']]: [E] } & { event: [CallLegEvent] };

/** One call leg on the switch (a caller, an agent's phone, a dialled lead). */
export interface CallLeg extends Pick<TypedEmitter<CallLegEventMap>, 'on' | 'once' | 'off'> {
  readonly id: string;
  readonly direction: 'inbound' | 'outbound';
  readonly callerId: CallerId;
  /** Number or extension dialled (the DID for inbound calls). */
  readonly destination: string;
  /** Channel variables set when the leg was created (e.g. `interaction_id`, `campaign_id`). */
  readonly variables: Readonly<Record<string, string>>;
  readonly state: LegState;
  /** Resolves with the hang-up once the leg has ended (never rejects). */
  readonly ended: Promise<HangupEvent>;

  answer(): Promise<void>;
  /** Idempotent: hanging up an ended leg resolves. */
  hangup(cause?: string): Promise<void>;
  play(prompt: Prompt | Prompt[], options?: PlayOptions): Promise<PlayResult>;
  collect(options: CollectOptions): Promise<CollectResult>;
  /** Music on hold until stopped, bridged or hung up. */
  startMusicOnHold(stream?: string): Promise<void>;
  stopMusicOnHold(): Promise<void>;
  record(options: RecordOptions): Promise<Recording>;
  /** Connect this leg's audio to `other`; both get `bridged`. */
  bridge(other: CallLeg): Promise<void>;
  /** Blind transfer to a SIP URI or extension; the leg leaves our control. */
  transfer(target: string): Promise<void>;
  /** Classify an answered outbound leg. */
  detectMachine(options: { timeoutMs: number; signal?: AbortSignal }): Promise<MachineDetection>;
  /** This leg (a supervisor) listens to, whispers to, or joins `target`. */
  eavesdrop(target: CallLeg, mode: EavesdropMode): Promise<void>;
  setVariable(name: string, value: string): Promise<void>;
}

export interface OriginateRequest {
  /** E.164 number via a gateway, or an agent's registered user. */
  to: { kind: 'number'; number: string; gateway?: string } | { kind: 'user'; user: string };
  callerId: CallerId;
  /** Ring time before giving up with `no-answer`. */
  timeoutMs: number;
  /** Channel variables to set on the new leg (e.g. interaction_id). */
  variables?: Record<string, string>;
  /** Custom SIP headers (names without the X- prefix are sent as X-<name>). */
  sipHeaders?: Record<string, string>;
  /** Use this id for the leg (FreeSWITCH origination_uuid). */
  legId?: string;
  /** Place the new leg on the same media node as this leg (needed to bridge them); single-node engines ignore it. */
  near?: CallLeg;
  signal?: AbortSignal;
}

export interface EngineHealth {
  status: 'up' | 'degraded' | 'down';
  nodes: Array<{ id: string; status: 'up' | 'down'; sessions: number; detail?: string }>;
  activeLegs: number;
}

export type MediaEngineEventMap = {
  /** A new inbound call to handle. */
  call: [CallLeg];
  /** A node (re)connected after a loss; callers resynchronise state. */
  reconnected: [{ nodeId: string }];
  /** A node was lost; the legs it carried are reported gone. */
  'node.down': [{ nodeId: string; lostLegIds: string[] }];
};

/**
 * A call the media side still carries but this control plane does not drive: found after a
 * restart or a standby's takeover (FreeSWITCH: a channel whose control plane socket died).
 */
export interface OrphanCall {
  /** The leg id (FreeSWITCH: the channel uuid, which is also the interaction id of an inbound call). */
  id: string;
  nodeId: string;
  /** inbound: a caller (from a trunk or an agent's phone); outbound: a leg some control plane placed. */
  direction: 'inbound' | 'outbound';
  /** Bridged to another leg (a conversation with an agent going on without us). */
  bridged: boolean;
  /** Resolves when the media side reports the call's end. */
  ended: Promise<{ cause: string }>;
  /** Asks the switch to hand the call back: it arrives again as a `call` event with the same id. */
  reclaim(): Promise<void>;
}

export interface OrphanCallList {
  calls: OrphanCall[];
  /** Nodes that could not be asked (their calls may still come back by themselves). */
  errors: Array<{ nodeId: string; message: string }>;
}

export interface MediaEngine extends Pick<TypedEmitter<MediaEngineEventMap>, 'on' | 'once' | 'off'> {
  /** `sim` or `freeswitch`. */
  readonly kind: string;
  /** The clock the engine's events are stamped with (virtual in the simulator). */
  readonly clock: Clock;
  start(): Promise<void>;
  /** Stops taking new calls and closes connections; live legs are left to the switch. */
  stop(): Promise<void>;
  originate(request: OriginateRequest): Promise<CallLeg>;
  health(): EngineHealth;
  /**
   * Whether the switch may hand this instance calls. With high availability only the active
   * control plane takes calls; a standby must refuse them so the switch tries the next
   * address (FreeSWITCH: the outbound socket server listens only while taking calls).
   * Engines without the notion take calls from start().
   */
  setTakingCalls?(taking: boolean): Promise<void>;
  /** Calls the switch carries that no control plane drives now (after a restart or takeover). */
  orphanCalls?(): Promise<OrphanCallList>;
}
