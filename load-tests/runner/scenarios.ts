/**
 * Catalogue of the SIPp scenarios in load-tests/scenarios: which side each plays, which
 * scenario stands in for the far end in a SIPp-to-SIPp selftest, and which extra SIPp
 * variables it needs. The runner refuses scenario names that are not listed here.
 */
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const SCENARIO_DIR = fileURLToPath(new URL('../scenarios/', import.meta.url));

export type ScenarioRole = 'uac' | 'uas';

export interface ScenarioInfo {
  role: ScenarioRole;
  /** What it models, for reports. */
  summary: string;
  /** The UAS scenario that answers it in the selftest (uac only). */
  selftestPeer?: string;
  /** Ring-all: offered to two peers at once. */
  peers?: 1 | 2;
  /** -trace_rtt timers measuring call setup (caller INVITE → 200 OK) for the latency criterion. */
  setupTimers?: string[];
}

export const SCENARIOS: Record<string, ScenarioInfo> = {
  'caller-ivr': { role: 'uac', summary: 'inbound caller through IVR (RFC 2833 DTMF), queue, talk, hang up', selftestPeer: 'agent-answer', setupTimers: ['setup'] },
  'caller-ivr-abandon': { role: 'uac', summary: 'inbound caller who abandons in queue', selftestPeer: 'agent-answer', setupTimers: ['setup'] },
  'caller-ivr-hangup': { role: 'uac', summary: 'inbound caller who hangs up in the IVR', selftestPeer: 'agent-answer', setupTimers: ['setup'] },
  'race-caller-bye-during-ring': { role: 'uac', summary: 'race: caller BYE while the agent rings', selftestPeer: 'agent-answer', setupTimers: ['setup'] },
  'race-cancel-crossing-200': { role: 'uac', summary: 'race: CANCEL crossing the 200 OK', selftestPeer: 'agent-answer' },
  'race-ring-all-fork': { role: 'uac', summary: 'race: two agents answer a ring-all offer at once', selftestPeer: 'agent-answer', peers: 2 },
  originate: { role: 'uac', summary: 'switch placing an agent leg or a dialer attempt (selftest stand-in)', selftestPeer: 'agent-answer' },
  'tollfraud-invite': { role: 'uac', summary: 'toll-fraud probe: INVITE from an unknown address to a paid destination', selftestPeer: 'tollfraud-refuse-403' },
  'trunk-register': { role: 'uac', summary: 'trunk registration with digest authentication', selftestPeer: 'registrar' },
  'agent-answer': { role: 'uas', summary: 'agent auto-answers after 300 ms, talks, hangs up on BYE' },
  'agent-answer-late': { role: 'uas', summary: 'agent answers after 2 s' },
  'agent-rona': { role: 'uas', summary: 'agent never answers (RONA)' },
  'agent-reject-486': { role: 'uas', summary: 'agent rejects with 486 after 300 ms' },
  'target-answer': { role: 'uas', summary: 'outbound target answers (live person)' },
  'target-busy': { role: 'uas', summary: 'outbound target busy (486)' },
  'target-no-answer': { role: 'uas', summary: 'outbound target rings until CANCEL' },
  'target-machine': { role: 'uas', summary: 'outbound target is a machine: long greeting, then beep' },
  registrar: { role: 'uas', summary: 'registrar stand-in: digest challenge, 200 or 403' },
  'tollfraud-refuse-403': { role: 'uas', summary: 'toll-fraud guard stand-in: refuses with 403' },
};

export const SCENARIO_NAMES = Object.keys(SCENARIOS) as [string, ...string[]];

export function scenarioFile(name: string): string {
  return path.join(SCENARIO_DIR, `${name}.xml`);
}
