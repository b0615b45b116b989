/** `play` — an audio file, tone or text to speech (with variables); barge-in on or off. */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base, nodeRef, prompts } from './common.js';

export const playSchema = z.strictObject({
  kind: z.literal('play'),
  ...base,
  prompt: prompts,
  barge_in: z.boolean().default(false).describe('A key press stops the prompt'),
  /** With barge-in, the digit pressed is kept in this variable. */
  digit_variable: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
  next: nodeRef,
});
export type PlayNode = z.output<typeof playSchema>;

export const play: NodeKindSpec<PlayNode> = {
  kind: 'play',
  schema: playSchema,
  waitsForInput: false,
  summary: 'Play a file, tone or text',
  links: (n) => [{ target: n.next, label: 'next', path: ['next'] }],
  assigns: (n) => (n.digit_variable ? [n.digit_variable] : []),
  async run(node, ctx) {
    const result = await ctx.play(node.prompt, { bargeIn: node.barge_in });
    if (node.digit_variable) ctx.setVar(node.digit_variable, result.interruptedBy ?? '');
    return result.interruptedBy
      ? { outcome: 'interrupted', input: result.interruptedBy, next: node.next }
      : { outcome: 'played', next: node.next };
  },
};
