/** `subflow` — run another flow; when it reaches a `return` node, continue at `next`. */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base, nodeRef } from './common.js';

export const subflowSchema = z.strictObject({
  kind: z.literal('subflow'),
  ...base,
  flow: z.string().min(1).describe('Id of the flow to run'),
  next: nodeRef.describe('Where to continue after the subflow returns'),
});
export type SubflowNode = z.output<typeof subflowSchema>;

export const subflow: NodeKindSpec<SubflowNode> = {
  kind: 'subflow',
  schema: subflowSchema,
  waitsForInput: false,
  summary: 'Run another flow and come back',
  links: (n) => [{ target: n.next, label: 'after subflow', path: ['next'] }],
  flows: (n) => [{ flow: n.flow, path: ['flow'] }],
  async run(node) {
    return { outcome: `enter ${node.flow}`, enter: { flow: node.flow }, returnTo: node.next };
  },
};
