/**
 * The flow format (`ivr-flows/*.yaml`) as a zod schema. The JSON Schema editors use
 * (`ivr-flows/flow.schema.json`) is generated from it: `flowJsonSchema()`.
 */
import { z } from 'zod';
import { NODE_ID, nodeRef, VARIABLE_NAME } from './nodes/common.js';
import { playSchema } from './nodes/play.js';
import { menuSchema } from './nodes/menu.js';
import { collectSchema } from './nodes/collect.js';
import { httpSchema } from './nodes/http.js';
import { conditionSchema } from './nodes/condition.js';
import { scheduleSchema } from './nodes/schedule.js';
import { setSchema } from './nodes/set.js';
import { queueSchema } from './nodes/queue.js';
import { transferSchema } from './nodes/transfer.js';
import { voicemailSchema } from './nodes/voicemail.js';
import { recordMessageSchema } from './nodes/record_message.js';
import { callbackSchema } from './nodes/callback.js';
import { surveySchema } from './nodes/survey.js';
import { subflowSchema } from './nodes/subflow.js';
import { gotoSchema } from './nodes/goto.js';
import { returnSchema } from './nodes/return.js';
import { hangupSchema } from './nodes/hangup.js';

export const FlowNodeSchema = z.discriminatedUnion('kind', [
  playSchema,
  menuSchema,
  collectSchema,
  httpSchema,
  conditionSchema,
  scheduleSchema,
  setSchema,
  queueSchema,
  transferSchema,
  voicemailSchema,
  recordMessageSchema,
  callbackSchema,
  surveySchema,
  subflowSchema,
  gotoSchema,
  returnSchema,
  hangupSchema,
]);
export type FlowNode = z.output<typeof FlowNodeSchema>;
export type FlowNodeKind = FlowNode['kind'];
export const NODE_KIND_NAMES: readonly string[] = FlowNodeSchema.options.map((o) => o.shape.kind.value);

export const FLOW_ID = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export const FlowSchema = z.strictObject({
  $schema: z.string().optional(),
  id: z.string().regex(FLOW_ID, { message: 'a flow id is lower-case letters, digits, _ and -, at most 63 characters' }),
  description: z.string().optional(),
  language: z.string().default('en-US').describe('Language for text to speech, e.g. en-US'),
  voice: z.string().optional().describe('TTS voice name'),
  timezone: z.string().default('UTC').describe('Time zone for time.* in expressions'),
  dids: z.array(z.string().regex(/^\+?[0-9]{2,20}$/, { message: 'a DID is digits, optionally starting with +' })).default([]).describe('Numbers routed to this flow when deployed'),
  variables: z
    .record(z.string().regex(VARIABLE_NAME, { message: 'a variable name is letters, digits and _' }), z.unknown())
    .default({})
    .describe('Variables with their starting values'),
  entry: nodeRef.describe('The first node'),
  nodes: z.record(z.string().regex(NODE_ID, { message: 'a node id is letters, digits, _ and -, starting with a letter or _' }), FlowNodeSchema),
});
export type FlowDefinition = z.output<typeof FlowSchema>;

/** Built-in names every expression may read. */
export const BUILTIN_VARIABLES = ['caller', 'caller_name', 'did', 'call_id', 'interaction_id', 'language', 'flow_id', 'time', 'channel', 'agent_id'] as const;

export function flowJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(FlowSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://switchboard.dev/schemas/ivr-flow.json', title: 'Switchboard IVR flow' };
}
