/**
 * What an instance does when it becomes active or stops being active, in one place.
 *
 * Participants are activated in order when the elector reports `became-active` (e.g. 1.
 * rebuild the ACD from the event log, 2. re-attach the live FreeSWITCH channels, 3. accept
 * new calls and start the dialer) and deactivated in reverse order on `lost-leadership`.
 * Transitions never overlap. The instance is *ready* only once every participant is
 * active; if one fails, those already active are deactivated and the instance gives up the
 * role (the elector stops, releasing the lock so a standby can try) and reports
 * `activation-failed`: the process should then exit and be restarted.
 */
import type { Clock } from '../clock.js';
import { TypedEmitter } from '../events.js';
import type { Logger } from '../logger.js';
import type { LeaderElector } from './LeaderElector.js';
import type { BecameActive, LostLeadershipReason } from './LeaderElectorTypes.js';

export interface RoleParticipant {
  /** Shown in logs and errors. */
  name: string;
  activate(context: BecameActive): Promise<void>;
  deactivate(reason: LostLeadershipReason | 'activation-failed'): Promise<void>;
}

export type ActiveRoleEvents = {
  /** Every participant is active: take traffic. */
  ready: [{ epoch: number; activationMs: number; steps: Array<{ name: string; ms: number }> }];
  'activation-failed': [{ participant: string; error: Error }];
};

export class ActiveRole extends TypedEmitter<ActiveRoleEvents> {
  readonly #elector: LeaderElector;
  readonly #participants: readonly RoleParticipant[];
  readonly #clock: Clock;
  readonly #log: Logger;
  #chain: Promise<void> = Promise.resolve();
  #activated: RoleParticipant[] = [];
  #ready = false;

  constructor(options: { elector: LeaderElector; participants: RoleParticipant[]; clock: Clock; logger: Logger }) {
    super();
    this.#elector = options.elector;
    this.#participants = [...options.participants];
    this.#clock = options.clock;
    this.#log = options.logger.child({ component: 'ha-role' });
    this.#elector.on('became-active', (ctx) => this.#enqueue(() => this.#activate(ctx)));
    this.#elector.on('lost-leadership', ({ reason }) => this.#enqueue(() => this.#deactivate(reason)));
  }

  /** Active and fully activated. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Resolves when every transition queued so far has finished. */
  settled(): Promise<void> {
    return this.#chain;
  }

  /** A /readyz check: ready only when active with every participant activated. */
  readinessCheck(): { name: string; check(): Promise<string> } {
    return {
      name: 'role',
      check: async () => {
        const s = this.#elector.readiness();
        if (!s.ready) throw new Error(`${s.role} (instance ${s.instanceId}): another instance is active`);
        if (!this.#ready) throw new Error(`becoming active (instance ${s.instanceId}): rebuilding state`);
        return `active (instance ${s.instanceId}${s.lockHeld ? '' : ', database away: routing from memory'})`;
      },
    };
  }

  #enqueue(step: () => Promise<void>): void {
    this.#chain = this.#chain.then(step, step);
  }

  async #activate(ctx: BecameActive): Promise<void> {
    const started = this.#clock.now();
    const steps: Array<{ name: string; ms: number }> = [];
    for (const p of this.#participants) {
      const t = this.#clock.now();
      try {
        await p.activate(ctx);
      } catch (err) {
        const error = err instanceof Error ? err : new Error(String(err));
        this.#log.error({ participant: p.name, err: error.message }, 'activation failed: giving up the active role');
        await this.#deactivate('activation-failed');
        await this.#elector.stop();
        this.emit('activation-failed', { participant: p.name, error });
        return;
      }
      this.#activated.push(p);
      steps.push({ name: p.name, ms: this.#clock.now() - t });
    }
    this.#ready = true;
    const activationMs = this.#clock.now() - started;
    this.#log.info({ epoch: ctx.epoch, activationMs, steps }, 'active and ready');
    this.emit('ready', { epoch: ctx.epoch, activationMs, steps });
  }

  async #deactivate(reason: LostLeadershipReason | 'activation-failed'): Promise<void> {
    this.#ready = false;
    for (const p of this.#activated.splice(0).reverse()) {
      try {
        await p.deactivate(reason);
      } catch (err) {
        this.#log.error({ participant: p.name, err: (err as Error).message }, 'deactivation failed');
      }
    }
  }
}
