/**
 * What FreeSWITCH says of its channels, for resynchronisation and takeovers: the rows of
 * `show channels as json`, and the ends (CHANNEL_HANGUP_COMPLETE on the inbound connection)
 * of channels no socket of ours drives.
 */
import { z } from 'zod';
import type { Clock } from '../../clock.js';

export interface LiveChannel {
  uuid: string;
  nodeId: string;
  direction: 'inbound' | 'outbound';
  /** FreeSWITCH call state: RINGING, EARLY, ACTIVE, HELD … */
  callState: string;
  /** Channel state: CS_EXECUTE (running dialplan applications), CS_EXCHANGE_MEDIA / CS_SOFT_EXECUTE (bridged by uuid_bridge) … */
  state: string;
  callerNumber: string;
  destination: string;
  /** Application running now (socket, playback, bridge …). */
  application: string;
  createdEpochS: number;
}

const channelRowSchema = z.object({
  uuid: z.string(),
  direction: z.string(),
  callstate: z.string().default(''),
  state: z.string().default(''),
  cid_num: z.string().default(''),
  dest: z.string().default(''),
  application: z.string().default(''),
  created_epoch: z.string().default('0'),
});

/** `show channels as json` → rows; `{"row_count":0}` (no rows key) is an empty list. */
export function parseShowChannels(text: string, nodeId: string): LiveChannel[] {
  const parsed = z.object({ row_count: z.number(), rows: z.array(z.unknown()).optional() }).parse(JSON.parse(text));
  return (parsed.rows ?? []).map((raw) => {
    const r = channelRowSchema.parse(raw);
    return {
      uuid: r.uuid,
      nodeId,
      direction: r.direction === 'outbound' ? 'outbound' : 'inbound',
      callState: r.callstate,
      state: r.state,
      callerNumber: r.cid_num,
      destination: r.dest,
      application: r.application,
      createdEpochS: Number(r.created_epoch) || 0,
    };
  });
}

/** Channel states of a leg that uuid_bridge put in a bridge (originator, other side). */
export const BRIDGED_STATES = new Set(['CS_EXCHANGE_MEDIA', 'CS_SOFT_EXECUTE']);
/** How long a hang-up seen on the inbound connection is remembered (for orphan calls listed just before it). */
const RECENT_HANGUP_MS = 60_000;

/** Follows the end of channels by uuid; remembers recent ends for channels listed just before. */
export class HangupWatch {
  readonly #clock: Clock;
  /** uuid → resolvers of `whenEnded`. */
  readonly #watchers = new Map<string, Array<(e: { cause: string }) => void>>();
  /** Ends seen lately: uuid → cause, time (insertion order is time order). */
  readonly #recent = new Map<string, { cause: string; at: number }>();

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  whenEnded(uuid: string): Promise<{ cause: string }> {
    const recent = this.#recent.get(uuid);
    if (recent) return Promise.resolve({ cause: recent.cause });
    return new Promise((resolve) => {
      const list = this.#watchers.get(uuid) ?? [];
      list.push(resolve);
      this.#watchers.set(uuid, list);
    });
  }

  gone(uuid: string, cause: string): void {
    const now = this.#clock.now();
    this.#recent.set(uuid, { cause, at: now });
    if (this.#recent.size > 1000) {
      for (const [id, h] of this.#recent) {
        if (now - h.at <= RECENT_HANGUP_MS) break;
        this.#recent.delete(id);
      }
    }
    const watchers = this.#watchers.get(uuid);
    if (!watchers) return;
    this.#watchers.delete(uuid);
    for (const w of watchers) w({ cause });
  }

  /** The engine stops: whoever follows a channel learns it is no longer followed. */
  stop(cause: string): void {
    for (const watchers of this.#watchers.values()) for (const w of watchers) w({ cause });
    this.#watchers.clear();
  }
}
