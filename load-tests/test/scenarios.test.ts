/**
 * Every scenario in load-tests/scenarios runs SIPp-against-SIPp on loopback: callers and
 * the switch stand-ins against the agent, target, registrar and guard scenarios. This
 * proves the XML is valid and each pair takes the path it is meant to (busy, no answer,
 * CANCEL crossing 200, ring-all, digest challenge, toll-fraud refusal), and that a breach
 * or a wrong pairing is caught as a failure.
 */
import { strict as assert } from 'node:assert';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { analyzeTrial, type ProcessSummary, type TrialSummary } from '../runner/analyze.js';
import { prepareMedia } from '../runner/media.js';
import { SCENARIOS, SCENARIO_DIR } from '../runner/scenarios.js';
import { runTrial, type TrialRun } from '../runner/trial.js';
import { countMessages, selftestProfile, tempDir } from './helpers.js';

const ALL_PAIRS = [
  { scenario: 'caller-ivr', service: '5000' },
  { scenario: 'caller-ivr-abandon', service: '5000' },
  { scenario: 'caller-ivr-hangup', service: '5000' },
  { scenario: 'race-caller-bye-during-ring', service: '5000' },
  { scenario: 'race-cancel-crossing-200', service: '1001' },
  { scenario: 'race-ring-all-fork', service: '1002' },
  { scenario: 'originate', service: '1000', peer: 'agent-answer' },
  { scenario: 'originate', service: '1003', peer: 'agent-rona' },
  { scenario: 'originate', service: '1004', peer: 'agent-reject-486' },
  { scenario: 'originate', service: '1005', peer: 'agent-answer-late' },
  { scenario: 'originate', service: '0612345678', peer: 'target-answer' },
  { scenario: 'originate', service: '0612345679', peer: 'target-busy' },
  { scenario: 'originate', service: '0612345680', peer: 'target-no-answer' },
  { scenario: 'tollfraud-invite', service: '0900123456', localHost: '127.0.0.66' },
  { scenario: 'trunk-register', service: 'trunk1' },
].map((m) => ({ ...m, weight: 1 }));

const CALLS_EACH = 2;

describe('SIPp scenarios, SIPp against SIPp on loopback', function () {
  this.timeout(40_000);
  let tmp: Awaited<ReturnType<typeof tempDir>>;
  let all: { run: TrialRun; summary: TrialSummary };
  let machine: { run: TrialRun; summary: TrialSummary };
  let breach: { run: TrialRun; summary: TrialSummary };

  const proc = (s: TrialSummary, label: string): ProcessSummary => {
    const p = s.processes.find((x) => x.label === label);
    assert.ok(p, `no process ${label} in ${s.processes.map((x) => x.label).join(', ')}`);
    return p;
  };

  before(async () => {
    tmp = await tempDir('scenarios');
    const mediaDir = path.join(tmp.dir, 'media');
    await prepareMedia(mediaDir);
    const allProfile = selftestProfile({
      network: { localHost: '127.0.0.10', peerHost: '127.0.0.11', basePort: 21000 },
      mix: ALL_PAIRS,
      maxCalls: CALLS_EACH * ALL_PAIRS.length,
      trunk: { username: 'trunk1', passwordEnv: 'UNUSED_IN_TEST' },
    });
    const machineProfile = selftestProfile({
      network: { localHost: '127.0.0.12', peerHost: '127.0.0.13', basePort: 21500 },
      mix: [{ scenario: 'originate', weight: 1, service: '0612345681', peer: 'target-machine' }],
      maxCalls: 1,
      callLengthMs: 7800, // past the 7 s greeting: the beep plays before the BYE
    });
    const breachProfile = selftestProfile({
      network: { localHost: '127.0.0.14', peerHost: '127.0.0.15', basePort: 21700 },
      mix: [
        // A toll-fraud probe that gets answered is a breach.
        { scenario: 'tollfraud-invite', weight: 1, service: '0900123456', peer: 'agent-answer' },
        // A caller that meets a busy endpoint instead of an answer fails.
        { scenario: 'caller-ivr', weight: 1, service: '5000', peer: 'target-busy' },
      ],
      maxCalls: 4,
    });
    const go = async (name: string, profile: ReturnType<typeof selftestProfile>, rate: number, seconds: number) => {
      const run = await runTrial(profile, { dir: path.join(tmp.dir, name), mediaDir, constantRate: rate, durationSeconds: seconds, trunkPassword: 's3cret' });
      return { run, summary: await analyzeTrial(profile, run, `${rate} calls/s`) };
    };
    [all, machine, breach] = await Promise.all([
      go('all', allProfile, ALL_PAIRS.length, 3),
      go('machine', machineProfile, 1, 2),
      go('breach', breachProfile, 2, 2),
    ]);
  });

  after(async () => tmp?.cleanup());

  it('covers every scenario file in load-tests/scenarios', async () => {
    const files = (await readdir(SCENARIO_DIR)).filter((f) => f.endsWith('.xml')).map((f) => f.replace(/\.xml$/, ''));
    assert.deepEqual(files.sort(), Object.keys(SCENARIOS).sort(), 'catalogue and files differ');
    const used = new Set([...all.summary.processes, ...machine.summary.processes].map((p) => p.scenario));
    assert.deepEqual([...used].sort(), files.sort());
  });

  it('every pair completes all its calls with no failure on either side', () => {
    for (const p of all.summary.processes) {
      assert.equal(p.problem, undefined, `${p.label}: ${p.problem}`);
      assert.equal(p.failed, 0, `${p.label} failed: ${JSON.stringify(p.failureReasons)}`);
      assert.equal(p.created, CALLS_EACH, `${p.label} created ${p.created}`);
      assert.equal(p.successful, CALLS_EACH, `${p.label} successful ${p.successful}`);
    }
    assert.equal(all.summary.verdict, 'pass', JSON.stringify(all.summary.criteria));
  });

  it('the inbound caller sends RFC 2833 DTMF and G.711 from the sip-tester captures', async () => {
    const xml = await readFile(path.join(SCENARIO_DIR, 'caller-ivr.xml'), 'utf8');
    for (const f of ['dtmf_2833_1.pcap', 'dtmf_2833_pound.pcap', 'g711a.pcap']) assert.match(xml, new RegExp(`play_pcap_audio="media/${f}"`));
    assert.match(xml, /a=rtpmap:101 telephone-event\/8000/);
    const media = await readdir(path.join(tmp.dir, 'media'));
    assert.ok(media.includes('dtmf_2833_1.pcap') && media.includes('beep.pcap'));
  });

  it('dialer outcomes take their own paths: busy, no answer (CANCEL), late answer', () => {
    const busy = proc(all.summary, 'uac-12-originate');
    assert.equal(countMessages(busy.messageCounts, /_486_Recv$/), CALLS_EACH);
    assert.equal(countMessages(busy.messageCounts, /_BYE_Sent$/), 0);
    for (const label of ['uac-8-originate', 'uac-13-originate']) {
      const p = proc(all.summary, label);
      assert.equal(countMessages(p.messageCounts, /_CANCEL_Sent$/), CALLS_EACH, `${label} should cancel`);
      assert.equal(countMessages(p.messageCounts, /_487_Recv$/), CALLS_EACH);
    }
    assert.equal(countMessages(proc(all.summary, 'uac-9-originate').messageCounts, /_486_Recv$/), CALLS_EACH);
    assert.equal(countMessages(proc(all.summary, 'uac-10-originate').messageCounts, /_BYE_Sent$/), CALLS_EACH, 'late answer is still answered');
  });

  it('the answering machine plays its greeting, then the beep, then takes the BYE', () => {
    const m = proc(machine.summary, 'peer-1-target-machine');
    assert.equal(m.problem, undefined);
    assert.equal(m.successful, 1);
    assert.equal(countMessages(m.messageCounts, /_BYE_Timeout$/), 1, 'the greeting ran out before the BYE, so the beep played');
  });

  it('races: CANCEL crossing the 200 OK keeps the call up; ring-all hangs up exactly the loser', async () => {
    const crossing = proc(all.summary, 'uac-5-race-cancel-crossing-200');
    assert.equal(countMessages(crossing.messageCounts, /_CANCEL_Sent$/), CALLS_EACH);
    assert.equal(countMessages(crossing.messageCounts, /_BYE_Sent$/), CALLS_EACH);
    assert.equal(countMessages(proc(all.summary, 'peer-5-agent-answer').messageCounts, /_CANCEL_Recv$/), CALLS_EACH, 'the agent saw the CANCEL after its 200 OK');
    const fork = proc(all.summary, 'uac-6-race-ring-all-fork');
    assert.equal(countMessages(fork.messageCounts, /_BYE_Sent$/), 2 * CALLS_EACH, 'one BYE to the loser, one to the winner, per call');
    assert.equal(proc(all.summary, 'peer-6a-agent-answer').successful + proc(all.summary, 'peer-6b-agent-answer').successful, 2 * CALLS_EACH);
    const log = await readFile(path.join(tmp.dir, 'all', 'uac-6-race-ring-all-fork', 'logs.log'), 'utf8');
    assert.equal(log.match(/^ring_all_winner;[ab];/gm)?.length, CALLS_EACH);
  });

  it('registration answers the digest challenge; the toll-fraud probe is refused with 403', () => {
    const reg = proc(all.summary, 'uac-15-trunk-register');
    assert.equal(countMessages(reg.messageCounts, /_401_Recv$/), CALLS_EACH);
    assert.equal(countMessages(proc(all.summary, 'peer-15-registrar').messageCounts, /_200_Sent$/), CALLS_EACH);
    assert.equal(countMessages(proc(all.summary, 'uac-14-tollfraud-invite').messageCounts, /_403_Recv$/), CALLS_EACH);
  });

  it('per-call timing joins caller and agent by X-Load-Call', () => {
    assert.ok(all.summary.timeToAgentMs.count >= 4 * CALLS_EACH, `only ${all.summary.timeToAgentMs.count} joined`);
    assert.ok(all.summary.timeToAgentMs.p99! >= 0 && all.summary.timeToAgentMs.p99! < 200);
    // INVITE → 200 OK includes the stand-in agent's 300 ms of ringing.
    assert.ok(all.summary.setupMs.p50! >= 290 && all.summary.setupMs.p50! < 1000, `p50 ${all.summary.setupMs.p50}`);
  });

  it('an answered toll-fraud probe and a busy agent fail the run', () => {
    assert.equal(breach.summary.verdict, 'fail');
    const fraud = proc(breach.summary, 'uac-1-tollfraud-invite');
    assert.ok(fraud.failed > 0 && (fraud.failureReasons.UnexpectedMessage ?? 0) > 0, JSON.stringify(fraud));
    const caller = proc(breach.summary, 'uac-2-caller-ivr');
    assert.ok(caller.failed > 0, JSON.stringify(caller));
    const failedCriterion = breach.summary.criteria.find((c) => c.name === 'failed call legs');
    assert.equal(failedCriterion?.pass, false);
  });
});
