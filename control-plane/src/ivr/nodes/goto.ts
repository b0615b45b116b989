/** `goto` — jump to a node in this flow, or continue in another flow (no return). */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base, nodeRef } from './common.js';

export const gotoSchema = z
  .strictObject({
    kind: z.literal('goto'),
    ...base,
    node: nodeRef.optional().describe('Node to jump to (in `flow` when given)'),
    flow: z.string().min(1).optional().describe('Another flow id to continue in'),
  })
  .refine((n) => n.node !== undefined || n.flow !== undefined, { message: 'goto needs `node`, `flow`, or both', path: ['node'] });
export type GotoNode = z.output<typeof gotoSchema>;

export const goto: NodeKindSpec<GotoNode> = {
  kind: 'goto',
  schema: gotoSchema,
  waitsForInput: false,
  summary: 'Jump to a node or another flow',
  links: (n) => (n.flow === undefined && n.node !== undefined ? [{ target: n.node, label: 'goto', path: ['node'] }] : []),
  flows: (n) => (n.flow !== undefined ? [{ flow: n.flow, ...(n.node !== undefined ? { node: n.node } : {}), path: ['flow'] }] : []),
  async run(node) {
    if (node.flow !== undefined) return { outcome: `to flow ${node.flow}`, enter: { flow: node.flow, ...(node.node !== undefined ? { node: node.node } : {}) } };
    return { outcome: `to ${node.node}`, next: node.node as string };
  },
};
