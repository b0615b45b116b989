/**
 * `set` — assign variables (vip, skills, priority, language…). Strings are templates;
 * values are set in the order written, so a later value sees an earlier one.
 */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base, nodeRef, VARIABLE_NAME } from './common.js';

export const setSchema = z.strictObject({
  kind: z.literal('set'),
  ...base,
  variables: z
    .record(z.string().regex(VARIABLE_NAME, { message: 'a variable name is letters, digits and _' }), z.unknown())
    .describe('name → value; "${expr}" gives the expression\'s value'),
  next: nodeRef,
});
export type SetNode = z.output<typeof setSchema>;

export const set: NodeKindSpec<SetNode> = {
  kind: 'set',
  schema: setSchema,
  waitsForInput: false,
  summary: 'Set variables',
  links: (n) => [{ target: n.next, label: 'next', path: ['next'] }],
  assigns: (n) => Object.keys(n.variables),
  async run(node, ctx) {
    const changed: string[] = [];
    for (const [name, value] of Object.entries(node.variables)) {
      ctx.setVar(name, await renderValue(value, (t) => ctx.render(t)));
      changed.push(name);
    }
    return { outcome: `set ${changed.join(', ')}`, next: node.next };
  },
};

async function renderValue(value: unknown, render: (t: string) => Promise<unknown>): Promise<unknown> {
  if (typeof value === 'string') return render(value);
  if (Array.isArray(value)) return Promise.all(value.map((v) => renderValue(v, render)));
  return value;
}
