/** `return` — back to the flow that ran this one as a subflow (at top level: the flow ends). */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base } from './common.js';

export const returnSchema = z.strictObject({ kind: z.literal('return'), ...base });
export type ReturnNode = z.output<typeof returnSchema>;

export const returnNode: NodeKindSpec<ReturnNode> = {
  kind: 'return',
  schema: returnSchema,
  waitsForInput: false,
  summary: 'Return from a subflow',
  links: () => [],
  async run() {
    return { outcome: 'return', return: true };
  },
};
