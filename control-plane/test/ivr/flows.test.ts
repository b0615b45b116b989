/** The example flows in ivr-flows/ validate and pass their *.test.yaml cases (make test runs them). */
import { strict as assert } from 'node:assert';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatCaseResult, runFlowTestFile } from '../../src/ivr/testRunner.js';
import { loadFlow, formatProblem } from '../../src/ivr/loader.js';
import { isFlowFile } from '../../src/ivr/FlowWatcher.js';
import { parse } from 'yaml';

const DIR = 'ivr-flows';

describe('ivr-flows examples', () => {
  const queues = new Set((parse(readFileSync(join(DIR, 'queues.yaml'), 'utf8')) as { queues: string[] }).queues);

  for (const f of readdirSync(DIR).filter(isFlowFile).sort()) {
    it(`${f} validates against ivr-flows/queues.yaml`, () => {
      const r = loadFlow(readFileSync(join(DIR, f), 'utf8'), f, { knownQueues: queues });
      assert.ok(r.ok, r.ok ? '' : r.problems.map(formatProblem).join('\n'));
    });
  }

  const tests = readdirSync(DIR).filter((f) => f.endsWith('.test.yaml')).sort();
  it('has a test file for each example flow', () => {
    for (const f of readdirSync(DIR).filter(isFlowFile)) assert.ok(tests.includes(f.replace(/\.yaml$/, '.test.yaml')), `${f} has no test`);
    assert.ok(tests.length >= 5);
  });

  for (const f of tests) {
    describe(f, () => {
      it('all cases pass', async () => {
        const results = await runFlowTestFile(join(DIR, f));
        assert.ok(results.length > 0);
        const failed = results.filter((r) => !r.passed);
        assert.equal(failed.length, 0, failed.map(formatCaseResult).join('\n'));
      });
    });
  }
});

describe('ivr test runner reports failures', () => {
  it('prints the path taken and the first mismatch', async () => {
    const results = await runFlowTestFile('control-plane/test/ivr/fixtures/runner/failing.test.yaml');
    assert.deepEqual(
      results.map((r) => [r.passed, r.failure]),
      [
        [false, 'outcome queue is "billing", expected "support" (outcome: {"kind":"queued","queue":"billing","skills":["billing","english"],"priority":5,"vip":false,"result":"ended"})'],
        [false, 'prompt "Your balance is" was never heard'],
        [false, 'path differs at step 2: expected "english", got "french"'],
      ],
    );
    const text = formatCaseResult(results[0]!);
    assert.match(text, /✗ expects the wrong queue/);
    assert.match(text, /path taken:\n\s+\d\d:\d\d:\d\d\.\d{3} main-menu\/language \(menu\) input=1 → option 1/);
    assert.match(text, /main-menu\/agent \(queue\)/);
  });

  it('rejects a malformed test file with the field and reason', async () => {
    const [r] = await runFlowTestFile('control-plane/test/ivr/fixtures/runner/bad-test-file.test.yaml');
    assert.equal(r!.passed, false);
    assert.equal(r!.failure, 'cases.0.script.0: each step needs exactly one of dtmf or hangup');
  });
});
