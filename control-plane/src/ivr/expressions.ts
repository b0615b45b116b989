/**
 * Expressions in flows: jexl (a maintained expression language with its own parser and
 * evaluator: no eval, no new Function, no access to the process). On top of jexl:
 *  - a static safety check that rejects prototype-walking names (`constructor`,
 *    `__proto__`, `prototype`) whether written as `a.constructor` or `a["constructor"]`;
 *  - evaluation over a context of plain data only, and a result that is never a function;
 *  - only the functions and transforms listed here exist.
 *
 * Templates: any string field that says "(template)" may contain `${ expression }`. A
 * string that is exactly one `${…}` keeps the expression's type (number, boolean, list).
 */
import jexlModule, { type Expression, type JexlAst } from 'jexl';

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
}

const FORBIDDEN = new Set(['constructor', '__proto__', 'prototype', '__defineGetter__', '__defineSetter__', '__lookupGetter__', '__lookupSetter__']);

/** Queue figures for expressions like `queueWaiting("billing") > 5`. */
export interface QueueStatsSource {
  stats(queue: string): Promise<{ waiting: number; ewtSeconds: number }> | { waiting: number; ewtSeconds: number };
}

export const EXPRESSION_FUNCTIONS = ['queueWaiting', 'queueEwt', 'now'] as const;
export const EXPRESSION_TRANSFORMS = ['upper', 'lower', 'digits', 'number', 'string', 'length', 'round', 'trim'] as const;

export interface ParsedExpression {
  source: string;
  /** Top-level variable names the expression reads. */
  variables: string[];
  /** Function calls with their first argument when it is a literal (queue names). */
  calls: Array<{ name: string; firstArg?: unknown }>;
}

export interface ExpressionEngineOptions {
  queueStats?: QueueStatsSource;
  /** Current time in ms (the engine clock) for `now()`. */
  now?: () => number;
}

/** One jexl instance per engine so functions can be bound to the running services. */
export class ExpressionEngine {
  readonly #jexl: InstanceType<typeof jexlModule.Jexl>;
  readonly #cache = new Map<string, Expression>();

  constructor(options: ExpressionEngineOptions = {}) {
    this.#jexl = new jexlModule.Jexl();
    const stats = async (queue: unknown) => {
      if (!options.queueStats) throw new ExpressionError('queue figures are not available here (no ACD connected)');
      return options.queueStats.stats(String(queue));
    };
    this.#jexl.addFunction('queueWaiting', (async (queue: unknown) => (await stats(queue)).waiting) as (...a: never[]) => unknown);
    this.#jexl.addFunction('queueEwt', (async (queue: unknown) => (await stats(queue)).ewtSeconds) as (...a: never[]) => unknown);
    this.#jexl.addFunction('now', (() => (options.now ?? Date.now)()) as (...a: never[]) => unknown);
    const transforms: Record<(typeof EXPRESSION_TRANSFORMS)[number], (v: unknown, ...a: unknown[]) => unknown> = {
      upper: (v) => String(v ?? '').toUpperCase(),
      lower: (v) => String(v ?? '').toLowerCase(),
      // "1234" → "1 2 3 4" so TTS reads digits one by one.
      digits: (v) => String(v ?? '').split('').join(' '),
      number: (v) => Number(v),
      string: (v) => (v === undefined || v === null ? '' : String(v)),
      length: (v) => (typeof v === 'string' || Array.isArray(v) ? v.length : 0),
      round: (v, places) => {
        const p = 10 ** Number(places ?? 0);
        return Math.round(Number(v) * p) / p;
      },
      trim: (v) => String(v ?? '').trim(),
    };
    for (const [name, fn] of Object.entries(transforms)) this.#jexl.addTransform(name, fn as (v: never, ...a: never[]) => unknown);
  }

  /** Parses and checks an expression; throws ExpressionError with a message a person can act on. */
  parse(source: string): ParsedExpression {
    const ast = this.#compile(source)._getAst();
    const variables = new Set<string>();
    const calls: ParsedExpression['calls'] = [];
    walk(ast, (node) => {
      if (node.type === 'Identifier') {
        const name = String(node.value);
        if (FORBIDDEN.has(name)) throw new ExpressionError(`"${name}" is not allowed in expressions`);
        if (!node.from && !node.relative) variables.add(name);
      } else if (node.type === 'Literal' && typeof node.value === 'string' && FORBIDDEN.has(node.value)) {
        throw new ExpressionError(`"${node.value}" is not allowed in expressions`);
      } else if (node.type === 'FunctionCall') {
        const name = String(node.name);
        const pool = node.pool === 'transforms' ? EXPRESSION_TRANSFORMS : EXPRESSION_FUNCTIONS;
        if (!(pool as readonly string[]).includes(name)) {
          const what = node.pool === 'transforms' ? 'transform' : 'function';
          throw new ExpressionError(`unknown ${what} "${name}"; available: ${pool.join(', ')}`);
        }
        const args = node.args as JexlAst[] | undefined;
        const first = node.pool === 'functions' ? args?.[0] : undefined;
        calls.push({ name, ...(first?.type === 'Literal' ? { firstArg: first.value } : {}) });
      }
    });
    return { source, variables: [...variables], calls };
  }

  async evaluate(source: string, context: Record<string, unknown>): Promise<unknown> {
    this.parse(source);
    let value: unknown;
    try {
      value = await this.#compile(source).eval(toPlainData(context) as object);
    } catch (err) {
      throw new ExpressionError(`expression "${source}" failed: ${(err as Error).message}`);
    }
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw new ExpressionError(`expression "${source}" did not give a value`);
    }
    return value;
  }

  /** Renders a template string; a lone `${expr}` keeps its type. */
  async render(template: string, context: Record<string, unknown>): Promise<unknown> {
    const parts = parseTemplate(template);
    if (parts.length === 1 && typeof parts[0] !== 'string' && parts[0]) return this.evaluate(parts[0].expr, context);
    let out = '';
    for (const part of parts) {
      if (typeof part === 'string') out += part;
      else out += stringify(await this.evaluate(part.expr, context));
    }
    return out;
  }

  async renderString(template: string, context: Record<string, unknown>): Promise<string> {
    return stringify(await this.render(template, context));
  }

  #compile(source: string): Expression {
    let expr = this.#cache.get(source);
    if (expr) return expr;
    if (source.trim() === '') throw new ExpressionError('the expression is empty');
    try {
      expr = this.#jexl.compile(source);
      expr._getAst();
    } catch (err) {
      // jexl reads names like `constructor` through the grammar's plain object and fails
      // with "Token constructor (undefined) unexpected"; say what is actually wrong.
      const msg = (err as Error).message;
      const forbidden = [...FORBIDDEN].find((f) => new RegExp(`\\b${f}\\b`).test(source));
      if (forbidden) throw new ExpressionError(`"${forbidden}" is not allowed in expressions`);
      throw new ExpressionError(`cannot parse "${source}": ${msg.replace(/ in expression: .*$/, '')}`);
    }
    if (this.#cache.size > 5000) this.#cache.clear();
    this.#cache.set(source, expr);
    return expr;
  }
}

export type TemplatePart = string | { expr: string };

/** Splits "Hello ${name}!" into literal and expression parts. */
export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let i = 0;
  while (i < template.length) {
    const start = template.indexOf('${', i);
    if (start < 0) {
      parts.push(template.slice(i));
      break;
    }
    if (start > i) parts.push(template.slice(i, start));
    const end = findClosingBrace(template, start + 2);
    if (end < 0) throw new ExpressionError(`"\${" at character ${start + 1} has no closing "}"`);
    parts.push({ expr: template.slice(start + 2, end).trim() });
    i = end + 1;
  }
  return parts;
}

function findClosingBrace(s: string, from: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = from; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

export function templateExpressions(template: string): string[] {
  return parseTemplate(template).flatMap((p) => (typeof p === 'string' ? [] : [p.expr]));
}

export function stringify(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function walk(node: unknown, visit: (n: JexlAst) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, visit);
    return;
  }
  if (!node || typeof node !== 'object') return;
  const n = node as JexlAst;
  if (typeof n.type === 'string') visit(n);
  for (const [key, child] of Object.entries(n)) {
    if (key === 'type') continue;
    if (key === 'value' && n.type === 'ObjectLiteral') {
      for (const v of Object.values(child as Record<string, unknown>)) walk(v, visit);
    } else if (child && typeof child === 'object') walk(child, visit);
  }
}

/** Copies variables into null-prototype objects and arrays of plain values only. */
export function toPlainData(value: unknown, depth = 0): unknown {
  if (depth > 20) return undefined;
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((v) => toPlainData(v, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (FORBIDDEN.has(k)) continue;
      out[k] = toPlainData(v, depth + 1);
    }
    return out;
  }
  return undefined;
}
