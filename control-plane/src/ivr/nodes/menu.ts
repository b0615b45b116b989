/** `menu` — a prompt, digit → next node, invalid/timeout prompts, tries and a default. */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base, durationMs, nodeRef, prompts } from './common.js';

const digitKey = z.string().regex(/^[0-9*#]$/, { message: 'menu options are single keys: 0-9, * or #' });

export const menuSchema = z.strictObject({
  kind: z.literal('menu'),
  ...base,
  prompt: prompts,
  options: z.record(digitKey, nodeRef).describe('Key pressed → node id, e.g. "1": billing'),
  invalid_prompt: prompts.optional().describe('Played when a key has no option'),
  timeout_prompt: prompts.optional().describe('Played when nothing was pressed'),
  timeout_ms: durationMs(60_000, 'Wait for a key after the prompt').default(5000),
  tries: z.number().int().min(1).max(10).default(3),
  default: nodeRef.describe('Where to go after the last try fails'),
  /** The key pressed is kept in this variable. */
  variable: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
});
export type MenuNode = z.output<typeof menuSchema>;

export const menu: NodeKindSpec<MenuNode> = {
  kind: 'menu',
  schema: menuSchema,
  waitsForInput: true,
  summary: 'Offer choices by key press',
  links: (n) => [
    ...Object.entries(n.options).map(([key, target]) => ({ target, label: key, path: ['options', key] })),
    { target: n.default, label: 'default', path: ['default'] },
  ],
  assigns: (n) => (n.variable ? [n.variable] : []),
  check(node, problem) {
    if (Object.keys(node.options).length === 0) problem(['options'], 'the menu has no options', 'add at least one key, e.g. options: { "1": sales }');
  },
  async run(node, ctx) {
    const pressed: string[] = [];
    for (let attempt = 1; attempt <= node.tries; attempt++) {
      const result = await ctx.collect({ prompt: node.prompt, minDigits: 1, maxDigits: 1, timeoutMs: node.timeout_ms });
      const key = result.digits;
      const target = key ? node.options[key] : undefined;
      if (target) {
        if (node.variable) ctx.setVar(node.variable, key);
        return { outcome: `option ${key}`, input: [...pressed, key].join(','), next: target };
      }
      if (key) pressed.push(key);
      if (attempt < node.tries) {
        const reprompt = key ? node.invalid_prompt : node.timeout_prompt;
        if (reprompt) await ctx.play(reprompt);
      }
    }
    return { outcome: 'no valid choice', input: pressed.join(','), next: node.default };
  },
};
