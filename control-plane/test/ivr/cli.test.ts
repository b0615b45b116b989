/** The `switchboard` command: ivr validate / test / graph, exit codes and what a person reads. */
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { commands } from '../../src/cli/index.js';
import { CommandRegistry, type CliIo } from '../../src/cli/registry.js';

function io(env: Record<string, string | undefined> = {}): CliIo & { stdout: string; stderr: string } {
  const o = {
    stdout: '',
    stderr: '',
    cwd: process.cwd(),
    env,
    out(t: string) {
      o.stdout += `${t}\n`;
    },
    err(t: string) {
      o.stderr += `${t}\n`;
    },
  };
  return o;
}

describe('switchboard CLI', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-cli-'));
    mkdirSync(join(dir, 'prompts'));
    writeFileSync(join(dir, 'prompts', 'hello.wav'), '');
    writeFileSync(join(dir, 'queues.yaml'), 'queues: [sales]\n');
    writeFileSync(join(dir, 'ok.yaml'), 'id: ok\nentry: a\nnodes:\n  a: { kind: play, prompt: { file: hello.wav }, next: q }\n  q: { kind: queue, queue: sales }\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('validate: exit 0 and a summary for good flows (queues from queues.yaml, prompts from prompts/)', async () => {
    const o = io();
    assert.equal(await commands.run(['ivr', 'validate', join(dir, 'ok.yaml')], o), 0);
    assert.equal(o.stdout, '1 flow file(s) OK\n');
  });

  it('validate: exit 1 and file:line:column errors with a fix for bad flows', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'id: bad\nentry: a\nnodes:\n  a: { kind: play, prompt: { file: nope.wav }, next: q }\n  q: { kind: queue, queue: saels }\n');
    const o = io();
    assert.equal(await commands.run(['ivr', 'validate', dir], o), 1);
    const file = join(dir, 'bad.yaml');
    assert.ok(o.stderr.includes(`${file}:4:36: prompt file "nope.wav" not found in ${join(dir, 'prompts')}\n    fix: add the audio file, fix the path, or use text to speech (tts: …)`), o.stderr);
    assert.ok(o.stderr.includes(`${file}:5:28: queue "saels" does not exist (did you mean "sales"?)\n    fix: create the queue first, or use one of: sales`), o.stderr);
    assert.match(o.stderr, /2 problem\(s\) in 2 file\(s\)/);
    rmSync(file);
  });

  it('validate: --queues overrides queues.yaml; duplicate flow ids are reported', async () => {
    const o = io();
    assert.equal(await commands.run(['ivr', 'validate', join(dir, 'ok.yaml'), '--queues', 'billing'], o), 1);
    assert.match(o.stderr, /queue "sales" does not exist/);
    writeFileSync(join(dir, 'ok2.yaml'), readFileSync(join(dir, 'ok.yaml')));
    const o2 = io();
    assert.equal(await commands.run(['ivr', 'validate', dir], o2), 1);
    assert.match(o2.stderr, /flow id "ok" is also used by/);
    writeFileSync(join(dir, 'ok2.yaml'), 'id: ok2\ndids: ["+1800"]\nentry: q\nnodes:\n  q: { kind: queue, queue: sales }\n');
    writeFileSync(join(dir, 'ok3.yaml'), 'id: ok3\ndids: ["+1800"]\nentry: q\nnodes:\n  q: { kind: queue, queue: sales }\n');
    const o3 = io();
    assert.equal(await commands.run(['ivr', 'validate', dir], o3), 1);
    assert.ok(o3.stderr.includes(`${join(dir, 'ok3.yaml')}:1:1: DID +1800 is also routed by ${join(dir, 'ok2.yaml')}`), o3.stderr);
    rmSync(join(dir, 'ok3.yaml'));
    rmSync(join(dir, 'ok2.yaml'));
  });

  it('test: runs *.test.yaml and exits 1 with the path and first mismatch when a case fails', async () => {
    const o = io();
    assert.equal(await commands.run(['ivr', 'test', 'control-plane/test/ivr/fixtures/runner/failing.test.yaml'], o), 1);
    assert.match(o.stdout, /✗ expects the wrong queue\n\s+outcome queue is "billing", expected "support"/);
    assert.match(o.stdout, /path taken:/);
    assert.match(o.stdout, /0 passing, 3 failing/);
    const ok = io();
    assert.equal(await commands.run(['ivr', 'test', 'ivr-flows/csat.test.yaml'], ok), 0);
    assert.match(ok.stdout, /3 passing, 0 failing/);
  });

  it('deploy: deploys the valid flows, refuses the invalid one with its problems, exit 1 (embedded database)', async function () {
    this.timeout(60_000);
    const o = io({ DATABASE_URL: 'pglite:memory' });
    const code = await commands.run(['ivr', 'deploy', 'ivr-flows/csat.yaml', 'control-plane/test/ivr/fixtures/bad/unknown-queue.yaml', '--queues', 'sales,billing', '--by', 'ci'], o);
    assert.equal(code, 1);
    assert.equal(o.stdout, 'ivr-flows/csat.yaml: csat deployed as version 1\n');
    assert.match(o.stderr, /unknown-queue\.yaml: refused, the running version stays\n.*unknown-queue\.yaml:7:12: queue "biling" does not exist \(did you mean "billing"\?\)/);
  });

  it('graph: prints Graphviz DOT with every node and labelled edges', async () => {
    const o = io();
    assert.equal(await commands.run(['ivr', 'graph', 'ivr-flows/main-menu.yaml'], o), 0);
    assert.match(o.stdout, /^digraph "main-menu" \{/);
    assert.match(o.stdout, /"language" -> "english" \[label="1"\];/);
    assert.match(o.stdout, /"lookup" -> "lookup_failed" \[label="on_error"\];/);
    assert.match(o.stdout, /"agent" \[shape=doubleoctagon, label="agent\\n\[queue\]\\nqueue billing"\];/);
  });

  it('unknown commands and --help', async () => {
    const o = io();
    assert.equal(await commands.run(['ivr', 'valdiate'], o), 2);
    assert.match(o.stderr, /unknown command "ivr valdiate"; did you mean: ivr validate/);
    const h = io();
    assert.equal(await commands.run(['--help'], h), 0);
    assert.match(h.stdout, /ivr validate\s+Check IVR flow files/);
  });

  it('other areas register a subcommand with one line', async () => {
    const r = new CommandRegistry().register('lists import', 'Import a list', async () => async (args, o) => {
      o.out(`imported ${args.join(' ')}`);
      return 0;
    });
    const o = io();
    assert.equal(await r.run(['lists', 'import', 'a.csv'], o), 0);
    assert.equal(o.stdout, 'imported a.csv\n');
    assert.throws(() => r.register('lists import', 'again', async () => async () => 0), /registered twice/);
  });

  it('npx switchboard works through the bin shim', async function () {
    this.timeout(30_000);
    await assert.rejects(promisify(execFile)(process.execPath, ['control-plane/bin/switchboard.js', 'ivr', 'validate', 'control-plane/test/ivr/fixtures/bad/unknown-kind.yaml', '--no-queue-check']), (err: { code: number; stderr: string }) => {
      assert.equal(err.code, 1);
      assert.match(err.stderr, /unknown-kind\.yaml:9:16: unknown node kind "plya"/);
      return true;
    });
  });
});
