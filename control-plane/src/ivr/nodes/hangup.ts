/** `hangup` — optionally say goodbye, then hang up with a cause. */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base, prompts } from './common.js';

export const hangupSchema = z.strictObject({
  kind: z.literal('hangup'),
  ...base,
  prompt: prompts.optional(),
  cause: z.string().regex(/^[A-Z_]+$/, { message: 'a cause is a Q.850 name such as NORMAL_CLEARING' }).default('NORMAL_CLEARING'),
});
export type HangupNode = z.output<typeof hangupSchema>;

export const hangup: NodeKindSpec<HangupNode> = {
  kind: 'hangup',
  schema: hangupSchema,
  waitsForInput: false,
  summary: 'Hang up',
  links: () => [],
  async run(node, ctx) {
    if (node.prompt) await ctx.play(node.prompt);
    await ctx.leg.hangup(node.cause);
    return { outcome: `hung up (${node.cause})`, end: { kind: 'hangup', cause: node.cause } };
  },
};
