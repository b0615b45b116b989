/** `condition` — the first branch whose expression is true wins; otherwise `default`. */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base, nodeRef } from './common.js';

export const conditionSchema = z.strictObject({
  kind: z.literal('condition'),
  ...base,
  branches: z
    .array(z.strictObject({ when: z.string().min(1).describe('Expression, e.g. vip == true || time.hour < 9'), next: nodeRef }))
    .min(1),
  default: nodeRef,
});
export type ConditionNode = z.output<typeof conditionSchema>;

export const condition: NodeKindSpec<ConditionNode> = {
  kind: 'condition',
  schema: conditionSchema,
  waitsForInput: false,
  summary: 'Branch on an expression',
  links: (n) => [
    ...n.branches.map((b, i) => ({ target: b.next, label: b.when, path: ['branches', i, 'next'] })),
    { target: n.default, label: 'default', path: ['default'] },
  ],
  expressions: (n) => n.branches.map((b, i) => ({ expression: b.when, path: ['branches', i, 'when'] })),
  async run(node, ctx) {
    for (const [i, branch] of node.branches.entries()) {
      if (await ctx.evaluate(branch.when)) return { outcome: `branch ${i + 1}: ${branch.when}`, next: branch.next };
    }
    return { outcome: 'default', next: node.default };
  },
};
