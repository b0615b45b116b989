/** The expression sandbox: no way out to the process, constructors or arbitrary functions. */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { ExpressionEngine, ExpressionError, parseTemplate } from '../../src/ivr/expressions.js';

const engine = new ExpressionEngine({ queueStats: { stats: (q) => ({ waiting: q === 'billing' ? 12 : 0, ewtSeconds: 300 }) }, now: () => 42 });

describe('ivr expressions', () => {
  it('evaluates comparisons, logic, ternaries and transforms over variables', async () => {
    const ctx = { vip: true, balance: 42.567, name: 'ada', digits: '1234', time: { hour: 9 } };
    assert.equal(await engine.evaluate('vip && time.hour >= 9', ctx), true);
    assert.equal(await engine.evaluate("vip ? 'gold' : 'std'", ctx), 'gold');
    assert.equal(await engine.evaluate('balance | round(2)', ctx), 42.57);
    assert.equal(await engine.evaluate('name | upper', ctx), 'ADA');
    assert.equal(await engine.evaluate('digits | digits', ctx), '1 2 3 4');
    assert.equal(await engine.evaluate("'12' in digits", ctx), true);
    assert.equal(await engine.evaluate('queueWaiting("billing") > 10', ctx), true);
    assert.equal(await engine.evaluate('now()', ctx), 42);
  });

  it('templates keep the type of a lone expression and render strings otherwise', async () => {
    assert.equal(await engine.render('${n + 1}', { n: 1 }), 2);
    assert.equal(await engine.render('n is ${n}!', { n: 1 }), 'n is 1!');
    assert.equal(await engine.render('${ {a: 1}.a }', {}), 1);
    assert.deepEqual(parseTemplate("x ${'}'} y"), ['x ', { expr: "'}'" }, ' y']);
    assert.throws(() => parseTemplate('x ${y'), /has no closing "}"/);
  });

  for (const expr of [
    'constructor',
    'x.constructor',
    'x["constructor"]',
    'x["constructor"]["constructor"]',
    "x['__proto__']",
    'x.__proto__',
    'x["prototype"]',
  ]) {
    it(`refuses ${expr}`, async () => {
      await assert.rejects(engine.evaluate(expr, { x: 'a' }), (err: Error) => err instanceof ExpressionError && /is not allowed in expressions/.test(err.message));
    });
  }

  it('cannot reach the process, globals or this', async () => {
    for (const expr of ['process', 'globalThis', 'this', 'require', 'global', 'module']) {
      assert.equal(await engine.evaluate(expr, {}), undefined, expr);
    }
    await assert.rejects(engine.evaluate('process.exit(1)', {}), ExpressionError);
    await assert.rejects(engine.evaluate('exec("ls")', {}), /unknown function "exec"/);
    await assert.rejects(engine.evaluate('x | eval', { x: '1' }), /unknown transform "eval"/);
  });

  it('a dynamic key cannot walk to a constructor either', async () => {
    // The context is copied into null-prototype objects and the forbidden keys dropped.
    assert.equal(await engine.evaluate('obj[k]', { obj: {}, k: '__proto__' }), undefined);
    await assert.rejects(engine.evaluate('s[k]', { s: 'abc', k: 'constructor' }), /did not give a value/);
  });

  it('never throws anything but ExpressionError, whatever the input (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ maxLength: 40 }), async (src) => {
        try {
          const v = await engine.evaluate(src, { a: 1, b: 'x', c: [1, 2], d: { e: true } });
          assert.notEqual(typeof v, 'function');
        } catch (err) {
          assert.ok(err instanceof ExpressionError, `${src}: ${(err as Error).name} ${(err as Error).message}`);
        }
      }),
      { numRuns: 300 },
    );
  });
});
