/** The node kinds, by name. Adding a kind: one file here plus one line below. */
import type { NodeKindSpec } from '../types.js';
import type { FlowNode } from '../schema.js';
import { play } from './play.js';
import { menu } from './menu.js';
import { collect } from './collect.js';
import { http } from './http.js';
import { condition } from './condition.js';
import { schedule } from './schedule.js';
import { set } from './set.js';
import { queue } from './queue.js';
import { transfer } from './transfer.js';
import { voicemail } from './voicemail.js';
import { recordMessage } from './record_message.js';
import { callback } from './callback.js';
import { survey } from './survey.js';
import { subflow } from './subflow.js';
import { goto } from './goto.js';
import { returnNode } from './return.js';
import { hangup } from './hangup.js';

const ALL = [play, menu, collect, http, condition, schedule, set, queue, transfer, voicemail, recordMessage, callback, survey, subflow, goto, returnNode, hangup];

/** Each spec is typed for its own node; the registry is indexed by the node's `kind`. */
export const NODE_KINDS: ReadonlyMap<string, NodeKindSpec<FlowNode>> = new Map(
  ALL.map((spec) => [spec.kind, spec as unknown as NodeKindSpec<FlowNode>]),
);

export function nodeKind(kind: string): NodeKindSpec<FlowNode> {
  const spec = NODE_KINDS.get(kind);
  if (!spec) throw new Error(`unknown node kind ${kind}`);
  return spec;
}
