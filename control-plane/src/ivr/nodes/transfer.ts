/** `transfer` — blind transfer to a SIP URI or an extension; the call leaves our control. */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base, prompts } from './common.js';

export const transferSchema = z.strictObject({
  kind: z.literal('transfer'),
  ...base,
  target: z.string().min(1).describe('sip:user@host or an extension (template)'),
  announce: prompts.optional(),
});
export type TransferNode = z.output<typeof transferSchema>;

export const transfer: NodeKindSpec<TransferNode> = {
  kind: 'transfer',
  schema: transferSchema,
  waitsForInput: false,
  summary: 'Transfer to a SIP URI or extension',
  links: () => [],
  check(node, problem) {
    if (!node.target.includes('${') && !/^(sips?:[^\s@]+@[^\s]+|sips?:[^\s]+|[0-9*#+]{1,32})$/.test(node.target)) {
      problem(['target'], `"${node.target}" is neither a SIP URI nor an extension`, 'write sip:user@host or digits such as 2001');
    }
  },
  async run(node, ctx) {
    if (node.announce) await ctx.play(node.announce);
    const target = await ctx.renderString(node.target);
    ctx.emit('transferred', { target });
    await ctx.leg.transfer(target);
    return { outcome: `transferred to ${target}`, end: { kind: 'transferred', target } };
  },
};
