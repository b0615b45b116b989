/** Every good fixture validates; every bad one is rejected with its expected message at its position. */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatProblem, loadFlow } from '../../src/ivr/loader.js';
import { flowSummary, type ValidateOptions } from '../../src/ivr/validator.js';

const here = dirname(fileURLToPath(import.meta.url));
const goodDir = join(here, 'fixtures', 'good');
const badDir = join(here, 'fixtures', 'bad');

function options(): ValidateOptions {
  const knownFlows = new Map<string, Set<string>>();
  const knownFlowVariables = new Map<string, Set<string>>();
  for (const f of readdirSync(goodDir)) {
    const r = loadFlow(readFileSync(join(goodDir, f), 'utf8'), f, {});
    if (r.ok) {
      const s = flowSummary(r.flow);
      knownFlows.set(r.flow.id, s.nodes);
      knownFlowVariables.set(r.flow.id, s.variables);
    }
  }
  return {
    knownQueues: new Set(['billing', 'support', 'sales']),
    knownFlows,
    knownFlowVariables,
    promptExists: (p) => p === 'greetings/welcome.wav',
    promptsDescription: 'prompts/',
  };
}

describe('ivr fixtures', () => {
  describe('good flows validate', () => {
    for (const f of readdirSync(goodDir).sort()) {
      it(f, () => {
        const r = loadFlow(readFileSync(join(goodDir, f), 'utf8'), f, options());
        assert.ok(r.ok, r.ok ? '' : r.problems.map(formatProblem).join('\n'));
      });
    }
  });

  describe('bad flows are rejected with the expected message', () => {
    const files = readdirSync(badDir).sort();
    it('there are bad fixtures', () => assert.ok(files.length >= 15));
    for (const f of files) {
      it(f, () => {
        const source = readFileSync(join(badDir, f), 'utf8');
        const m = /^# expect: (\d+):(\d+) (.+)$/m.exec(source);
        assert.ok(m, `${f} must start with "# expect: line:column message"`);
        const [, line, column, message] = m;
        const r = loadFlow(source, f, options());
        assert.equal(r.ok, false, `${f} was accepted`);
        const problems = r.problems;
        const hit = problems.find((p) => p.message.includes(message!.trim()));
        assert.ok(hit, `expected "${message}" among:\n${problems.map(formatProblem).join('\n')}`);
        assert.equal(`${hit.line}:${hit.column}`, `${line}:${column}`, `position of "${hit.message}"`);
        assert.equal(hit.file, f);
        assert.ok(hit.hint.length > 10, 'every problem says how to fix it');
        assert.match(formatProblem(hit), new RegExp(`^${f.replace('.', '\\.')}:${line}:${column}: `));
      });
    }
  });

  it('reports several problems at once, sorted by position', () => {
    const r = loadFlow('id: two\nentry: a\nnodes:\n  a: { kind: play, prompt: hi, next: nowhere }\n  b: { kind: hangup }\n', 'two.yaml', {});
    assert.equal(r.ok, false);
    assert.deepEqual(
      r.problems.map((p) => `${p.line}:${p.column}`),
      ['4:38', '5:3'],
    );
  });

  it('rejects a file that is not a mapping', () => {
    const r = loadFlow('- just\n- a list\n', 'list.yaml', {});
    assert.equal(r.ok, false);
    assert.match(r.problems[0]!.message, /not a flow/);
  });
});
