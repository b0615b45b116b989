/**
 * bench:failover-freeswitch — the whole production path of a takeover, repeated: real
 * control-plane processes (main.ts, HA_ENABLED=true, FreeSWITCH engine) against the fake
 * FreeSWITCH of the test fixtures (real ESL over loopback). Each round: Ann talks to one
 * caller, `--waiting` more wait; the active is SIGKILLed; measured are the time until the
 * standby reports active and until every waiting caller is back on it in the same order.
 * Then the calls are hung up and the killed instance is restarted as the new standby.
 * Uses a database of its own on the PostgreSQL server of TEST_DATABASE_URL / DATABASE_URL.
 *
 *   npm run bench:failover-freeswitch [-- --rounds 5 --waiting 8 --arrival-every-ms 25 --poll-ms 250]
 *
 * --arrival-every-ms: callers keep dialling at this pace from just before the kill until the
 * new active took over; every one of them must end up waiting on the new active.
 *
 * --poll-ms is HA_POLL_MS of the control planes (default 250, the production default).
 */
import { freePort, FsFailoverStage, killActiveWithCallers, until, type ControlPlaneProcess } from '../test/ha/fixtures/fsFailoverStage.js';

const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const arg = (name: string, fallback: number, max: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v <= 0 || v > max) throw new Error(`--${name} expects a whole number from 1 to ${max}`);
  return v;
};
const rounds = arg('rounds', 5, 50);
const waiting = arg('waiting', 8, 9);
const arrivalEveryMs = arg('arrival-every-ms', 25, 10_000);
// The control planes read it when they start (fixtures/fsFailoverStage.ts).
process.env.HAFS_POLL_MS = String(arg('poll-ms', 250, 10_000));

const stage = new FsFailoverStage(url);
const percentile = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)] ?? NaN;

try {
  const ports = { http: [await freePort(), await freePort()], sock: [await freePort(), await freePort()] };
  await stage.setUp(ports.sock);
  const start = (slot: 0 | 1, name: string): ControlPlaneProcess => stage.startControlPlane(name, ports.http[slot]!, ports.sock[slot]!);
  let active = start(0, 'cp-0');
  await until('first active', 30_000, async () => (await stage.role(active)) === 'active');
  let activeSlot: 0 | 1 = 0;
  let standby = start(1, 'cp-1');
  await until('first standby', 30_000, async () => (await stage.role(standby)) === 'standby');
  const login = await stage.api(active, 'POST', '/agents/ann/login', {});
  if (!login.ok) throw new Error(`login: ${login.status} ${await login.text()}`);

  const activeMs: number[] = [];
  const reattachedMs: number[] = [];
  const allWaitingMs: number[] = [];
  let orderBroken = 0;
  let dropped = 0;
  let pulled = 0;
  let arrivals = 0;
  for (let r = 1; r <= rounds; r++) {
    const round = await killActiveWithCallers(stage, active, standby, { waiting, arrivalEveryMs });
    activeMs.push(round.activeMs);
    reattachedMs.push(round.reattachedMs);
    allWaitingMs.push(round.allWaitingMs);
    pulled += round.pulled;
    if (round.waitingAfter.slice(0, waiting).join() !== round.waiters.join()) orderBroken++;
    const everyone = [round.talking, ...round.waiters, ...round.arrivedDuringTakeover];
    arrivals += round.arrivedDuringTakeover.length;
    dropped += everyone.filter((u) => stage.fs.channel(u)?.endedCause || stage.fs.channel(u)?.fallback).length;
    console.log(
      `round ${r}: active after ${round.activeMs} ms; ${waiting} waiting callers back after ${round.reattachedMs} ms (${round.pulled} pulled), in order; ` +
        `with the ${round.arrivedDuringTakeover.length} callers who dialled during the takeover all waiting after ${round.allWaitingMs} ms`,
    );
    // End the round's calls; the killed slot comes back as the new standby.
    for (const u of everyone) await stage.fs.hangup(u).catch(() => undefined);
    const survivor = standby;
    await until('queue empty and Ann ready', 20_000, async () => {
      const s = await stage.status(survivor);
      return s.waiting.length === 0 && s.agents.find((x) => x.id === 'ann')?.state === 'ready';
    });
    const freed: 0 | 1 = activeSlot;
    activeSlot = freed === 0 ? 1 : 0;
    active = survivor;
    standby = start(freed, `cp-${freed}-r${r}`);
    await until('new standby', 30_000, async () => (await stage.role(standby)) === 'standby');
  }
  const mean = (xs: number[]): number => Math.round(xs.reduce((a, b) => a + b, 0) / xs.length);
  console.log(
    `takeover_mean_ms=${mean(activeMs)} takeover_max_ms=${Math.max(...activeMs)} reattach_mean_ms=${mean(reattachedMs)} reattach_p95_ms=${percentile(reattachedMs, 95)} ` +
      `reattach_max_ms=${Math.max(...reattachedMs)} all_waiting_mean_ms=${mean(allWaitingMs)} rounds=${rounds} waiting_per_round=${waiting} pulled_pct=${Math.round((100 * pulled) / (rounds * waiting))} ` +
      `order_broken_rounds=${orderBroken} arrivals_during_takeover=${arrivals} callers_dropped=${dropped} ha_poll_ms=${process.env.HAFS_POLL_MS}`,
  );
} catch (err) {
  console.error(stage.processes.length > 0 ? stage.outputs() : '');
  throw err;
} finally {
  await stage.tearDown();
}
