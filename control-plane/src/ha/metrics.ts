/**
 * Prometheus view of the election: whether this instance is active, and how many times
 * it became active. Register once on the process registry (the api's /metrics).
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { LeaderElector } from './LeaderElector.js';

export function registerHaMetrics(registry: Registry, elector: LeaderElector): void {
  const active = new Gauge({
    name: 'switchboard_ha_active',
    help: '1 while this instance holds the active role, else 0',
    registers: [registry],
    collect() {
      this.set(elector.isActive ? 1 : 0);
    },
  });
  const lockHeld = new Gauge({
    name: 'switchboard_ha_lock_held',
    help: '1 while the advisory lock session is confirmed; 0 on a standby or while the active runs without its database',
    registers: [registry],
    collect() {
      this.set(elector.status().lockHeld ? 1 : 0);
    },
  });
  const takeovers = new Counter({
    name: 'switchboard_ha_takeovers_total',
    help: 'Times this instance became the active control plane',
    registers: [registry],
  });
  const lost = new Counter({
    name: 'switchboard_ha_leadership_lost_total',
    help: 'Times this instance lost the active role, by reason',
    labelNames: ['reason'],
    registers: [registry],
  });
  void active;
  void lockHeld;
  elector.on('became-active', () => takeovers.inc());
  elector.on('lost-leadership', ({ reason }) => lost.inc({ reason }));
}
