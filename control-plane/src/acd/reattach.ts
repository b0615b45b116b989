/**
 * Re-attaching calls after a takeover or restart. The ACD rebuilt its queues from the event
 * log; the switch still carries the calls the previous active drove. For each rebuilt voice
 * interaction:
 *
 * - waiting or being offered, caller still on the switch: the switch is asked to hand the
 *   call back (`reclaim`; FreeSWITCH: `uuid_transfer` to the dialplan's re-attach extension,
 *   which also retries by itself). When it arrives (`claim`, called for every new call before
 *   the IVR) the VoiceQueue adopts it: the caller keeps their place and hears music again.
 *   Callers that do not come back within the window are dropped (`lost-on-failover`).
 * - waiting, caller no longer on the switch: they hung up while no control plane listened —
 *   an abandon.
 * - connected, call still on the switch: the conversation goes on without us; when the switch
 *   reports its end the interaction is completed and the agent goes to wrap-up.
 * - connected, call gone: it ended meanwhile; completed now.
 *
 * Callbacks (no caller on the line) need nothing: the VoiceQueue serves them from the log.
 */
import type { Clock, TimerHandle } from '../clock.js';
import type { CallLeg, MediaEngine, OrphanCall } from '../engine/port.js';
import type { Logger } from '../logger.js';
import type { Acd } from './Acd.js';
import type { VoiceQueue } from './VoiceQueue.js';

export interface ReattachOptions {
  acd: Acd;
  voice: VoiceQueue;
  engine: Pick<MediaEngine, 'orphanCalls' | 'clock'>;
  logger: Logger;
  /** The interaction a new call leg belongs to (the IVR's rule: `interaction_id` variable, else the leg id). */
  interactionIdOf: (leg: CallLeg) => string;
  /** How long a caller still on the switch may take to come back before being dropped (ms). */
  windowMs: number;
  /** Told how many expected callers were dropped when the window closed (metrics). */
  onDropped?: (count: number) => void;
}

export interface ReattachReport {
  /** Rebuilt voice interactions with a caller or conversation on the switch side. */
  restored: number;
  /** Waiting callers found on the switch and asked back. */
  reclaimed: number;
  /**
   * Other callers no control plane drove (still in the IVR when the active died, or dialling
   * while none listened), pulled in at once rather than after the dialplan's next hold slice.
   */
  othersReclaimed: number;
  /** Reclaims the switch refused (the caller may still come back by the dialplan's retry). */
  reclaimFailed: number;
  /** Waiting callers no longer on the switch (abandoned while no control plane listened). */
  goneWhileAway: number;
  /** Conversations still going on, followed until they end. */
  connectedFollowed: number;
  /** Conversations that ended while no control plane listened. */
  connectedEnded: number;
  /** Nodes that could not be asked for their channels. */
  nodeErrors: Array<{ nodeId: string; message: string }>;
  /** The engine cannot list its calls: unadopted callers are dropped at the end of the window. */
  unsupported: boolean;
}

export class CallReattacher {
  readonly #o: ReattachOptions;
  readonly #log: Logger;
  readonly #clock: Clock;
  /** Callers of interactions that had already ended (a post-call survey): thanked and let go. */
  readonly #finished = new Set<string>();
  #timer: TimerHandle | null = null;
  #closed = false;

  constructor(options: ReattachOptions) {
    this.#o = options;
    this.#log = options.logger.child({ component: 'acd.reattach' });
    this.#clock = options.engine.clock;
  }

  /**
   * Call for every new call before the IVR sees it. Takes (and returns true for) a caller of
   * a rebuilt interaction coming back to this control plane.
   */
  claim(leg: CallLeg): boolean {
    const { acd, voice } = this.#o;
    const id = this.#o.interactionIdOf(leg);
    if (this.#finished.delete(id)) {
      // The conversation was over (a caller kept for a survey): never the whole flow again.
      this.#log.info({ interactionId: id, callId: leg.id }, 'caller of an interaction that had ended came back; saying goodbye');
      void this.#sayGoodbye(leg, 'Thank you for calling. Goodbye.');
      return true;
    }
    if (!acd.isLive(id) || !acd.isRestored(id) || voice.isHandling(id)) return false;
    const phase = acd.router.interaction(id)?.phase;
    if (phase === 'connected') {
      // The conversation broke while no control plane listened and the caller came back alone.
      this.#log.warn({ interactionId: id, callId: leg.id }, 'caller of a connected call came back without the agent; ending the call');
      acd.complete(id, 'bridge-lost-on-failover');
      void this.#sayGoodbye(leg, 'We are sorry, your call was interrupted. Please call again.');
      return true;
    }
    this.#log.info({ interactionId: id, callId: leg.id }, 'caller re-attached; keeps their place in the queue');
    voice.adopt(leg, id).catch((err: Error) => this.#log.warn({ interactionId: id, err: err.message }, 'could not adopt a returning caller'));
    return true;
  }

  /** Run once the ACD is rebuilt and the engine takes calls. */
  async start(): Promise<ReattachReport> {
    const { acd, engine } = this.#o;
    const report: ReattachReport = { restored: 0, reclaimed: 0, othersReclaimed: 0, reclaimFailed: 0, goneWhileAway: 0, connectedFollowed: 0, connectedEnded: 0, nodeErrors: [], unsupported: false };
    const restored = acd.restoredVoice().filter((r) => !r.callback && !this.#o.voice.isHandling(r.id));
    report.restored = restored.length;
    if (!engine.orphanCalls) {
      report.unsupported = true;
      this.#armWindow();
      return report;
    }
    const { calls, errors } = await engine.orphanCalls();
    report.nodeErrors = errors;
    const byId = new Map<string, OrphanCall>(calls.map((c) => [c.id, c]));
    // With a node that could not be asked, "not listed" does not mean "gone".
    const complete = errors.length === 0;
    const reclaims: Array<Promise<void>> = [];
    for (const r of restored) {
      if (this.#closed) break;
      if (!acd.isLive(r.id) || this.#o.voice.isHandling(r.id)) continue; // came back already
      const call = byId.get(r.legId);
      if (r.phase === 'connected') {
        if (call) {
          report.connectedFollowed++;
          void call.ended.then(({ cause }) => {
            if (!this.#closed && acd.isLive(r.id) && acd.router.interaction(r.id)?.phase === 'connected') acd.complete(r.id, `ended-after-failover:${cause}`);
          });
        } else if (complete) {
          report.connectedEnded++;
          acd.complete(r.id, 'ended-during-failover');
        }
        continue;
      }
      if (!call) {
        if (complete) {
          report.goneWhileAway++;
          acd.abandon(r.id, 'caller-left-during-failover');
        }
        continue;
      }
      if (call.bridged) continue; // bridged to someone without a queue record: leave it, the window decides
      report.reclaimed++;
      reclaims.push(
        call.reclaim().catch((err: Error) => {
          report.reclaimFailed++;
          this.#log.warn({ interactionId: r.id, err: err.message }, 'switch refused to hand the caller back; waiting for the dialplan to retry');
        }),
      );
    }
    // Any other caller on the switch that nobody drives: an IVR caller whose flow died with the
    // old active (the flow starts again), or one who dialled while no control plane listened.
    const known = new Set(restored.map((r) => r.legId));
    for (const call of calls) {
      if (this.#closed || known.has(call.id) || call.direction !== 'inbound' || call.bridged) continue;
      if (acd.endedBeforeRestart(call.id)) this.#finished.add(call.id);
      report.othersReclaimed++;
      reclaims.push(call.reclaim().catch((err: Error) => this.#log.debug({ callId: call.id, err: err.message }, 'caller not pulled in; the dialplan retries')));
    }
    await Promise.all(reclaims);
    this.#armWindow();
    this.#log.info(report, 'calls re-attached after takeover');
    return report;
  }

  close(): void {
    this.#closed = true;
    this.#timer?.cancel();
    this.#timer = null;
  }

  /** Callers still expected back: rebuilt, waiting (not a callback), and not adopted yet. */
  #waitingForCallers(): boolean {
    return this.#o.acd.restoredVoice().some((r) => r.phase !== 'connected' && !r.callback && !this.#o.voice.isHandling(r.id));
  }

  #armWindow(): void {
    if (this.#closed || !this.#waitingForCallers()) return;
    this.#timer?.cancel();
    this.#timer = this.#clock.setTimer(this.#o.windowMs, () => {
      this.#timer = null;
      if (this.#closed) return;
      const dropped = this.#o.voice.dropUnadopted();
      this.#o.onDropped?.(dropped.length);
      if (dropped.length > 0) this.#log.warn({ dropped: dropped.length, windowMs: this.#o.windowMs }, 'callers did not come back after the takeover; dropped');
    });
  }

  async #sayGoodbye(leg: CallLeg, text: string): Promise<void> {
    try {
      if (leg.state === 'ringing') await leg.answer();
      await leg.play({ kind: 'tts', text });
    } catch {
      // the caller left
    }
    await leg.hangup('NORMAL_CLEARING').catch(() => undefined);
  }
}
