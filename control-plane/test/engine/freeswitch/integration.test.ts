/**
 * Against a live FreeSWITCH with the freeswitch-conf/ overlay and dialplan/ installed.
 * Runs when FREESWITCH_ESL_URL is set (esl://host:8021, with FREESWITCH_ESL_PASSWORD), or
 * when `fs_cli`/`freeswitch` is on PATH (then esl://127.0.0.1:8021). Otherwise every test
 * reports itself skipped with the reason, and `make test` passes.
 *
 * The SIPp parts need `sipp` on PATH and:
 *   FREESWITCH_TEST_SIP=host:port   the external (trunk) profile SIPp calls into (default <esl host>:5080)
 *   FREESWITCH_OUTBOUND_PORT        where FreeSWITCH's `socket` reaches this process (default 8084;
 *                                   the overlay's switchboard_cp_socket must point here)
 *   FREESWITCH_TEST_GATEWAY         a gateway that reaches a SIPp UAS, for the originate test
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { silentLogger } from '../../../src/logger.js';
import { FreeSwitchEngine } from '../../../src/engine/freeswitch/FreeSwitchEngine.js';
import type { CallLeg } from '../../../src/engine/port.js';

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function target(): { nodes: Array<{ host: string; port: number }>; password: string } | { skip: string } {
  const url = process.env.FREESWITCH_ESL_URL;
  const password = process.env.FREESWITCH_ESL_PASSWORD ?? 'ClueCon';
  if (url) {
    const nodes = url.split(',').map((u) => {
      const parsed = new URL(u.trim());
      return { host: parsed.hostname, port: Number(parsed.port || 8021) };
    });
    return { nodes, password };
  }
  if (onPath('fs_cli') || onPath('freeswitch')) return { nodes: [{ host: '127.0.0.1', port: 8021 }], password };
  return { skip: 'no FreeSWITCH available: set FREESWITCH_ESL_URL=esl://host:8021 (and FREESWITCH_ESL_PASSWORD), or install freeswitch/fs_cli on this machine' };
}

describe('FreeSWITCH integration (live switch)', function () {
  this.timeout(60000);
  const t = target();
  let engine: FreeSwitchEngine | null = null;

  before(function () {
    if ('skip' in t) {
      console.log(`      skipped: ${t.skip}`);
      this.skip();
    }
  });
  after(async () => {
    await engine?.stop();
  });

  it('connects, authenticates and reports the node up', async function () {
    if ('skip' in t) return this.skip();
    engine = new FreeSwitchEngine({
      nodes: t.nodes,
      password: t.password,
      outboundSocket: { host: '0.0.0.0', port: Number(process.env.FREESWITCH_OUTBOUND_PORT ?? 8084), advertiseHost: process.env.FREESWITCH_OUTBOUND_ADVERTISE_HOST ?? '127.0.0.1' },
      logger: silentLogger(),
      ...(process.env.FREESWITCH_TEST_GATEWAY ? { defaultGateway: process.env.FREESWITCH_TEST_GATEWAY } : {}),
    });
    await engine.start();
    assert.equal(engine.health().nodes.some((n) => n.status === 'up'), true);
    assert.match(await engine.api('status'), /FreeSWITCH .* is ready/);
    assert.match(await engine.api('show channels as json'), /row_count/);
  });

  it('a SIPp caller reaches the control plane through the public context, hears a tone and is hung up', async function () {
    if ('skip' in t || !engine) return this.skip();
    if (!onPath('sipp')) return this.skip();
    const sipTarget = process.env.FREESWITCH_TEST_SIP ?? `${t.nodes[0]!.host}:5080`;
    const call = new Promise<CallLeg>((resolve) => engine!.once('call', resolve));
    const sipp = spawn('sipp', ['-sn', 'uac', '-s', '15550100', '-m', '1', '-r', '1', '-d', '4000', '-timeout', '30', '-timeout_error', sipTarget], { stdio: 'ignore' });
    const exit = new Promise<number | null>((resolve) => sipp.once('exit', resolve));
    const leg = await call;
    assert.equal(leg.destination, '15550100');
    await leg.answer();
    await leg.play({ kind: 'tone', spec: '%(200,100,440);loops=2' });
    await leg.hangup('NORMAL_CLEARING');
    assert.equal((await leg.ended).side, 'local');
    // SIPp's uac scenario expects the BYE from its side; a BYE from us is counted as unexpected.
    await exit;
  });

  it('originates to a SIPp UAS through the test gateway with variables and a SIP header, then hangs up', async function () {
    if ('skip' in t || !engine) return this.skip();
    if (!onPath('sipp') || !process.env.FREESWITCH_TEST_GATEWAY) return this.skip();
    const uas = spawn('sipp', ['-sn', 'uas', '-p', process.env.FREESWITCH_TEST_UAS_PORT ?? '5099', '-m', '1'], { stdio: 'ignore' });
    try {
      const leg = await engine.originate({ to: { kind: 'number', number: '15550199' }, callerId: { number: '1000', name: 'Switchboard Test' }, timeoutMs: 15000, variables: { campaign_id: '42' }, sipHeaders: { Campaign: '42' } });
      assert.equal(leg.variables.campaign_id, '42');
      await leg.hangup();
    } finally {
      uas.kill();
    }
  });
});
