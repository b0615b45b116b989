/**
 * Takes inbound calls from the media engine and runs the flow routed for the DID. The
 * version is fixed when the call starts. Calls to a DID with no flow are left to
 * `onUnrouted` (default: an announcement and hang-up).
 */
import type { CallLeg, MediaEngine } from '../engine/port.js';
import type { Logger } from '../logger.js';
import { FlowInterpreter, type InterpreterOptions, type IvrRunResult } from './interpreter.js';
import type { FlowRegistry } from './FlowRegistry.js';

export interface IvrServiceOptions extends InterpreterOptions {
  registry: FlowRegistry;
  logger: Logger;
  onUnrouted?: (leg: CallLeg) => Promise<void>;
  /** Called with every finished run (reporting, tests). */
  onFinished?: (leg: CallLeg, result: IvrRunResult) => void;
  /**
   * Offered every new call first; returns true when another area takes it (a caller the ACD
   * re-attaches after a takeover keeps their place instead of starting the flow again).
   */
  claim?: (leg: CallLeg) => boolean;
}

export class IvrService {
  readonly interpreter: FlowInterpreter;
  #active = new Set<Promise<unknown>>();

  constructor(private readonly options: IvrServiceOptions) {
    this.interpreter = new FlowInterpreter(options);
  }

  /** Takes the engine's new calls until the returned function is called. */
  attach(engine: Pick<MediaEngine, 'on' | 'off'>): () => void {
    const onCall = (leg: CallLeg): void => {
      if (this.options.claim?.(leg)) return;
      const run = this.handle(leg).catch((err: unknown) => this.options.logger.error({ err, callId: leg.id }, 'ivr failed'));
      this.#active.add(run);
      void run.finally(() => this.#active.delete(run));
    };
    engine.on('call', onCall);
    return () => engine.off('call', onCall);
  }

  async handle(leg: CallLeg): Promise<IvrRunResult | undefined> {
    const routed = this.options.registry.flowsForDid(leg.destination);
    if (!routed) {
      if (this.options.onUnrouted) await this.options.onUnrouted(leg);
      else {
        this.options.logger.warn({ callId: leg.id, did: leg.destination }, 'no IVR flow for this number');
        await leg.answer().catch(() => undefined);
        await leg.play({ kind: 'tts', text: 'The number you have called is not in service.' }).catch(() => undefined);
        await leg.hangup('UNALLOCATED_NUMBER').catch(() => undefined);
      }
      return undefined;
    }
    const result = await this.interpreter.run(leg, routed.flows, routed.rootFlowId);
    this.options.onFinished?.(leg, result);
    return result;
  }

  /** Calls whose flow is still running. */
  get activeCalls(): number {
    return this.#active.size;
  }

  /** Waits for running flows to finish (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#active]);
  }
}
