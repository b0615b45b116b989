/**
 * Erlang C, pure: the textbook M/M/N queue (Poisson arrivals, exponential handle times,
 * callers who never abandon). Used to check the simulator and for staffing what-ifs.
 */

/** Erlang B blocking probability for `agents` servers and `traffic` Erlangs (stable recurrence). */
export function erlangB(traffic: number, agents: number): number {
  if (!(traffic >= 0) || !Number.isInteger(agents) || agents < 0) throw new RangeError('erlangB needs traffic ≥ 0 and a whole number of agents ≥ 0');
  let b = 1;
  for (let n = 1; n <= agents; n++) b = (traffic * b) / (n + traffic * b);
  return b;
}

/** Probability that an arriving call waits (Erlang C). 1 when the load reaches the agents. */
export function erlangC(traffic: number, agents: number): number {
  if (agents <= traffic) return 1;
  const b = erlangB(traffic, agents);
  return (agents * b) / (agents - traffic * (1 - b));
}

export interface ErlangCPrediction {
  /** Offered load in Erlangs: arrivals per second × mean handle seconds. */
  traffic: number;
  probabilityOfWait: number;
  /** Share answered within the threshold. */
  serviceLevel: number;
  asaSec: number;
  occupancy: number;
}

/**
 * Prediction for `callsPerHour` arrivals, mean handle time `ahtSec`, `agents` agents and
 * SL threshold `thresholdSec`: SL = 1 − C · e^(−(N − A) · t / AHT), ASA = C · AHT / (N − A).
 */
export function erlangCPredict(callsPerHour: number, ahtSec: number, agents: number, thresholdSec: number): ErlangCPrediction {
  const traffic = (callsPerHour * ahtSec) / 3600;
  const c = erlangC(traffic, agents);
  if (agents <= traffic) return { traffic, probabilityOfWait: 1, serviceLevel: 0, asaSec: Infinity, occupancy: 1 };
  return {
    traffic,
    probabilityOfWait: c,
    serviceLevel: 1 - c * Math.exp((-(agents - traffic) * thresholdSec) / ahtSec),
    asaSec: (c * ahtSec) / (agents - traffic),
    occupancy: traffic / agents,
  };
}

/** Fewest agents that reach `targetSl` (0–1) within `thresholdSec`. */
export function agentsForServiceLevel(callsPerHour: number, ahtSec: number, thresholdSec: number, targetSl: number): number {
  const traffic = (callsPerHour * ahtSec) / 3600;
  let n = Math.max(1, Math.ceil(traffic));
  while (erlangCPredict(callsPerHour, ahtSec, n, thresholdSec).serviceLevel < targetSl) n++;
  return n;
}
