import { strict as assert } from 'node:assert';
import { SimEngine } from '../../../src/engine/sim/SimEngine.js';
import { CallGoneError, OriginateError, type CallLeg, type CallLegEvent } from '../../../src/engine/port.js';

async function engineWithCalls(seed = 1): Promise<{ engine: SimEngine; calls: CallLeg[] }> {
  const engine = new SimEngine({ seed });
  await engine.start();
  const calls: CallLeg[] = [];
  engine.on('call', (leg) => calls.push(leg));
  return { engine, calls };
}

describe('SimEngine', () => {
  it('same seed ⇒ same run; another seed ⇒ another run', async () => {
    const run = async (seed: number): Promise<string[]> => {
      const { engine, calls } = await engineWithCalls(seed);
      engine.addArrivals({ to: '+18005550100', perHour: 600, durationMs: 3600_000, patienceMs: { kind: 'exponential', meanMs: 30_000 } });
      const trace: string[] = [];
      engine.on('call', (leg) => {
        void (async () => {
          await leg.answer();
          await leg.startMusicOnHold();
          const end = await leg.ended;
          trace.push(`${leg.id}@${leg.callerId.number}:${end.at}:${end.cause}`);
        })();
      });
      await engine.clock.runFor(3600_000 + 600_000);
      assert.ok(calls.length > 400 && calls.length < 800, `~600 arrivals expected, got ${calls.length}`);
      return trace;
    };
    const a = await run(7);
    const b = await run(7);
    const c = await run(8);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('a scripted caller barges into a menu prompt and its digits are collected', async () => {
    const { engine, calls } = await engineWithCalls();
    engine.placeCall({ from: '+15551230001', to: '+18005550100', script: [{ waitForPrompt: 'main-menu', afterMs: 500, dtmf: '42#' }] });
    await engine.clock.runFor(1);
    const leg = calls[0]!;
    await leg.answer();
    const pending = leg.collect({ prompt: { kind: 'file', path: 'ivr/main-menu.wav' }, minDigits: 1, maxDigits: 4, timeoutMs: 5000, terminators: '#' });
    const t0 = engine.clock.now();
    await engine.clock.runFor(10_000);
    const result = await pending;
    assert.deepEqual(result, { digits: '42', outcome: 'ok', attempts: 1, terminator: '#' });
    // The prompt (2 s) was cut short by the first digit at 500 ms.
    const done = (leg as unknown as { promptsHeard: Array<{ text: string; at: number }> }).promptsHeard;
    assert.equal(done[0]!.text, 'ivr/main-menu.wav');
    assert.equal(done[0]!.at, t0);
  });

  it('collect gives `timeout` after silence and `invalid` after exhausting tries with wrong input', async () => {
    const { engine, calls } = await engineWithCalls();
    engine.placeCall({ from: '+1', to: '100', script: [{ afterMs: 100, dtmf: '9' }, { waitForPrompt: 'try-again', afterMs: 100, dtmf: '8' }] });
    engine.placeCall({ from: '+2', to: '100' });
    await engine.clock.runFor(1);
    const [wrong, silent] = calls as [CallLeg, CallLeg];
    await wrong.answer();
    await silent.answer();
    const opts = { minDigits: 1, maxDigits: 1, timeoutMs: 3000, validRegex: '[1-3]', tries: 2, invalidPrompt: { kind: 'tts', text: 'try-again' } as const };
    const r1 = wrong.collect(opts);
    const r2 = silent.collect(opts);
    await engine.clock.runFor(30_000);
    assert.deepEqual(await r1, { digits: '', outcome: 'invalid', attempts: 2 });
    assert.deepEqual(await r2, { digits: '', outcome: 'timeout', attempts: 2 });
  });

  it('a caller on hold abandons after its patience; the hang-up comes from the far end', async () => {
    const { engine, calls } = await engineWithCalls();
    engine.placeCall({ from: '+1', to: '100', patienceMs: 45_000 });
    await engine.clock.runFor(1);
    const leg = calls[0]!;
    await leg.answer();
    await leg.startMusicOnHold();
    const holdStarted = engine.clock.now();
    const play = leg.play({ kind: 'silence', ms: 120_000 });
    const failure = play.then(() => null, (e: unknown) => e);
    await engine.clock.runFor(60_000);
    const end = await leg.ended;
    assert.equal(end.side, 'remote');
    assert.equal(end.at, holdStarted + 45_000);
    assert.ok((await failure) instanceof CallGoneError);
    assert.equal(engine.stats().abandonedOnHold, 1);
    await assert.rejects(leg.answer(), CallGoneError);
  });

  it('originates to agents: answered, no answer, rejected, unregistered, cancelled', async () => {
    const { engine } = await engineWithCalls();
    engine.addAgentEndpoint({ user: 'ann', answerDelayMs: { kind: 'fixed', ms: 2000 } });
    engine.addAgentEndpoint({ user: 'bob', noAnswerProbability: 1 });
    engine.addAgentEndpoint({ user: 'cy', rejectProbability: 1 });
    const req = (user: string, signal?: AbortSignal) =>
      engine.originate({ to: { kind: 'user', user }, callerId: { number: '100' }, timeoutMs: 15_000, ...(signal ? { signal } : {}) }).then(
        (leg) => `answered ${leg.state} at ${engine.clock.now()}`,
        (e: unknown) => (e instanceof OriginateError ? `${e.failure}/${e.switchCause} at ${engine.clock.now()}` : String(e)),
      );
    const ctl = new AbortController();
    const results = Promise.all([req('ann'), req('bob'), req('cy'), req('nobody'), req('ann', ctl.signal)]);
    const t0 = engine.clock.now();
    engine.clock.setTimer(1000, () => ctl.abort());
    await engine.clock.runFor(20_000);
    const [ann, bob, cy, nobody, cancelled] = await results;
    assert.equal(ann, `answered answered at ${t0 + 2000}`);
    assert.equal(bob, `no-answer/NO_ANSWER at ${t0 + 15_000}`);
    assert.match(cy!, /^rejected\/CALL_REJECTED/);
    assert.equal(nobody, `unreachable/USER_NOT_REGISTERED at ${t0 + 50}`);
    assert.equal(cancelled, `no-answer/ORIGINATOR_CANCEL at ${t0 + 1000}`);
  });

  it('a bridged call ends after the talk time: customer hangs up, agent leg follows', async () => {
    const { engine, calls } = await engineWithCalls();
    engine.addAgentEndpoint({ user: 'ann', answerDelayMs: { kind: 'fixed', ms: 1000 } });
    engine.placeCall({ from: '+1', to: '100', talkTimeMs: 90_000 });
    await engine.clock.runFor(1);
    const caller = calls[0]!;
    const events: string[] = [];
    const note = (who: string) => (e: CallLegEvent) => events.push(`${who}:${e.type}${e.type === 'hangup' ? `:${e.side}` : ''}`);
    caller.on('event', note('caller'));
    await caller.answer();
    await caller.startMusicOnHold();
    const agentP = engine.originate({ to: { kind: 'user', user: 'ann' }, callerId: { number: '+1' }, timeoutMs: 10_000 });
    await engine.clock.runFor(1000);
    const agent = await agentP;
    agent.on('event', note('agent'));
    await caller.bridge(agent);
    const bridgedAt = engine.clock.now();
    await engine.clock.runFor(100_000);
    assert.equal((await caller.ended).at, bridgedAt + 90_000);
    assert.deepEqual(events, ['caller:answered', 'caller:bridged', 'agent:bridged', 'caller:unbridged', 'agent:unbridged', 'caller:hangup:remote', 'agent:hangup:remote']);
    assert.equal(engine.stats().abandonedOnHold, 0, 'bridging ends the hold, so patience no longer runs');
  });

  it('outbound targets follow the model; answering machines are detected with the configured accuracy', async () => {
    const { engine } = await engineWithCalls(3);
    engine.setTargetModel({
      answerProbability: 0.25, machineProbability: 0.1, busyProbability: 0.1,
      ringTimeMs: { kind: 'uniform', minMs: 5000, maxMs: 25000 }, talkTimeMs: { kind: 'fixed', ms: 60_000 }, amdAccuracy: 1,
    });
    const outcomes: Record<string, number> = {};
    const amd: Record<string, number> = {};
    const N = 2000;
    for (let i = 0; i < N; i++) {
      void engine.originate({ to: { kind: 'number', number: `+1555${i}` }, callerId: { number: '100' }, timeoutMs: 30_000 }).then(
        async (leg) => {
          const sim = engine.leg(leg.id)!;
          const verdict = await leg.detectMachine({ timeoutMs: 5000 });
          amd[`${sim.answeredBy}->${verdict}`] = (amd[`${sim.answeredBy}->${verdict}`] ?? 0) + 1;
          outcomes.answered = (outcomes.answered ?? 0) + 1;
        },
        (e: OriginateError) => (outcomes[e.failure] = (outcomes[e.failure] ?? 0) + 1),
      );
    }
    await engine.clock.runFor(120_000);
    const share = (k: string) => (outcomes[k] ?? 0) / N;
    assert.ok(Math.abs(share('answered') - 0.35) < 0.04, JSON.stringify(outcomes));
    assert.ok(Math.abs(share('busy') - 0.1) < 0.03, JSON.stringify(outcomes));
    assert.ok(Math.abs(share('no-answer') - 0.55) < 0.04, JSON.stringify(outcomes));
    assert.deepEqual(Object.keys(amd).sort(), ['human->human', 'machine->machine']);
  });

  it('recordings report their duration and the spans silenced by pause/resume', async () => {
    const { engine, calls } = await engineWithCalls();
    engine.placeCall({ from: '+1', to: '100' });
    await engine.clock.runFor(1);
    const leg = calls[0]!;
    await leg.answer();
    const rec = await leg.record({ path: '/tmp/x.wav', stereo: true });
    await engine.clock.runFor(10_000);
    await rec.pause();
    await engine.clock.runFor(5_000);
    await rec.resume();
    await engine.clock.runFor(3_000);
    await leg.hangup();
    const stopped = engine.recordings[0]!;
    assert.equal(stopped.durationMs, 18_000);
    assert.deepEqual(stopped.pausedSpans, [{ fromMs: 10_000, toMs: 15_000 }]);
  });

  it('refuses a transfer target that is neither a SIP URI nor an extension', async () => {
    const { engine, calls } = await engineWithCalls();
    engine.placeCall({ from: '+1', to: '100' });
    await engine.clock.runFor(1);
    await assert.rejects(calls[0]!.transfer('sip:x@y; rm -rf'), /not a SIP URI or extension/);
    await calls[0]!.transfer('sip:sales@pbx.example.com');
    assert.equal(engine.transfers[0]!.target, 'sip:sales@pbx.example.com');
    assert.equal(calls[0]!.state, 'ended');
  });
});
