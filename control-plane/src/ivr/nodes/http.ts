/**
 * `http` — ask a CRM or back office. GET/POST/PUT JSON, headers from secrets by name,
 * a timeout, response fields mapped into variables, and an `on_error` branch taken on
 * timeout, network failure, a status outside 2xx, or a mapping that fails: a slow or
 * broken CRM never traps the caller.
 */
import { z } from 'zod';
import type { NodeContext, NodeKindSpec } from '../types.js';
import { parseTemplate, stringify } from '../expressions.js';
import { base, durationMs, nodeRef, VARIABLE_NAME } from './common.js';

const headerValue = z.union([
  z.string().describe('Literal header value (template)'),
  z.strictObject({
    secret: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { message: 'a secret is named like an environment variable: A-Z, 0-9 and _' }).describe('Environment variable holding the value'),
    prefix: z.string().optional().describe('Put before the secret, e.g. "Bearer "'),
  }),
]);

export const httpSchema = z.strictObject({
  kind: z.literal('http'),
  ...base,
  method: z.enum(['GET', 'POST', 'PUT']).default('GET'),
  url: z.string().regex(/^https?:\/\//, { message: 'the url must start with http:// or https://' }).describe('URL (template)'),
  headers: z.record(z.string(), headerValue).default({}),
  body: z.unknown().optional().describe('JSON body; strings inside are templates'),
  timeout_ms: durationMs(30_000, 'Give up after').default(3000),
  map: z
    .record(z.string().regex(VARIABLE_NAME, { message: 'a variable name is letters, digits and _' }), z.string())
    .default({})
    .describe('variable → expression over `response` (status, body), e.g. balance: response.body.balance'),
  status_variable: z.string().regex(VARIABLE_NAME).optional().describe('Keep the HTTP status here'),
  next: nodeRef,
  on_error: nodeRef.describe('Where to go on timeout, network error or a non-2xx status'),
});
export type HttpNode = z.output<typeof httpSchema>;

export const http: NodeKindSpec<HttpNode> = {
  kind: 'http',
  schema: httpSchema,
  waitsForInput: false,
  summary: 'Call a CRM / back-office URL',
  links: (n) => [
    { target: n.next, label: 'next', path: ['next'] },
    { target: n.on_error, label: 'on_error', path: ['on_error'] },
  ],
  expressions: (n) => Object.entries(n.map).map(([name, expression]) => ({ expression, path: ['map', name], extra: ['response'] })),
  assigns: (n) => [...Object.keys(n.map), ...(n.status_variable ? [n.status_variable] : [])],
  async run(node, ctx) {
    const url = await renderUrl(node.url, ctx);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(node.headers)) {
      if (typeof value === 'string') headers[name] = await ctx.renderString(value);
      else {
        const secret = ctx.services.secrets(value.secret);
        if (secret === undefined) return { outcome: `error: secret ${value.secret} is not set`, next: node.on_error };
        headers[name] = (value.prefix ?? '') + secret;
      }
    }
    const body = node.body === undefined ? undefined : await renderDeep(node.body, (t) => ctx.render(t));
    const started = ctx.clock.now();
    let response;
    try {
      response = await ctx.services.http.request({ method: node.method, url, headers, body, timeoutMs: node.timeout_ms, signal: ctx.signal });
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      ctx.log.warn({ url: redactQuery(url), err: (err as Error).message }, 'ivr http node failed');
      return { outcome: `error: ${(err as Error).message}`, next: node.on_error };
    }
    if (node.status_variable) ctx.setVar(node.status_variable, response.status);
    const tookMs = ctx.clock.now() - started;
    if (response.status < 200 || response.status > 299) return { outcome: `error: HTTP ${response.status}`, next: node.on_error };
    try {
      for (const [name, expression] of Object.entries(node.map)) {
        ctx.setVar(name, await ctx.evaluate(expression, { response }));
      }
    } catch (err) {
      return { outcome: `error: mapping failed: ${(err as Error).message}`, next: node.on_error };
    }
    return { outcome: `HTTP ${response.status}${tookMs > 0 ? ` in ${tookMs} ms` : ''}`, next: node.next };
  },
};

/** Values put into a URL are percent-encoded: a caller's input never changes the path or query shape. */
async function renderUrl(template: string, ctx: NodeContext): Promise<string> {
  let out = '';
  for (const part of parseTemplate(template)) {
    out += typeof part === 'string' ? part : encodeURIComponent(stringify(await ctx.evaluate(part.expr)));
  }
  return out;
}

async function renderDeep(value: unknown, render: (t: string) => Promise<unknown>): Promise<unknown> {
  if (typeof value === 'string') return render(value);
  if (Array.isArray(value)) return Promise.all(value.map((v) => renderDeep(v, render)));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = await renderDeep(v, render);
    return out;
  }
  return value;
}

/** Query strings may carry account numbers; logs keep the path only. */
function redactQuery(url: string): string {
  return url.replace(/\?.*$/, '?…');
}
