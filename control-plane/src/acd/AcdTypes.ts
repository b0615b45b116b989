/**
 * Configuration of queues, agents, skills and reason codes, as zod schemas (validated at
 * every edge: REST, repositories, demo) and the TypeScript types the router uses.
 */
import { z } from 'zod';
import { CHANNELS, type Channel } from '../domainEvents.js';

export const STRATEGIES = [
  'longest-idle',
  'least-occupied',
  'fewest-today',
  'round-robin',
  'best-skill-match',
  'top-down',
  'ring-all',
] as const;
export type Strategy = (typeof STRATEGIES)[number];

/** Where voicemail is reached: an extension (digits, * #, +) or a SIP URI. */
const transferTarget = z
  .string()
  .regex(/^(sip:[^\s@]+@\S+|[0-9*#+]{1,32})$/, { message: 'expected an extension (digits, *, #, +) or a sip:user@host URI' })
  .default('*98');

const id = z
  .string({ message: 'expected a string id' })
  .min(1, { message: 'must not be empty' })
  .max(100, { message: 'must be at most 100 characters' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, { message: 'may contain only letters, digits, _ . : - and must start with a letter or digit' });

export const skillRequirementSchema = z.object({
  skillId: id,
  minLevel: z.number().int().min(1, { message: 'minimum level is 1' }).max(10, { message: 'maximum level is 10' }).default(1),
});
export type SkillRequirement = z.infer<typeof skillRequirementSchema>;

/** What an escalation step does once an interaction has waited `afterSec`. */
export const escalationActionSchema = z.discriminatedUnion('kind', [
  /** Lower every skill's minimum level to `minLevel` (never raises it). */
  z.object({ kind: z.literal('relax-level'), minLevel: z.number().int().min(1).max(10) }),
  /** Also accept agents who have all of these skills. */
  z.object({ kind: z.literal('add-skills'), skills: z.array(skillRequirementSchema).min(1, { message: 'needs at least one skill' }) }),
  /** Also accept agents who can serve another queue (its skills and members). */
  z.object({ kind: z.literal('add-queue-agents'), queueId: id }),
  /** Move to another queue, keeping the original enqueue time and priority. */
  z.object({ kind: z.literal('overflow'), queueId: id }),
  /** Voice: offer the caller a callback (press a key, leave a number, keep the place). */
  z.object({ kind: z.literal('offer-callback') }),
  /** Voice: send to voicemail (the mailbox is a transfer target the switch knows). */
  z.object({ kind: z.literal('voicemail'), target: transferTarget }),
  /** Play a message and hang up (non-voice: close the interaction with this text). */
  z.object({ kind: z.literal('hangup'), message: z.string().min(1).default('We are sorry, no agent is available. Please try again later.') }),
]);
export type EscalationAction = z.infer<typeof escalationActionSchema>;
export type ExitAction = Extract<EscalationAction, { kind: 'overflow' | 'voicemail' | 'hangup' }>;

export const escalationStepSchema = z.object({
  afterSec: z.number().int().min(0, { message: 'must be 0 or more seconds' }).max(86_400),
  action: escalationActionSchema,
});
export type EscalationStep = z.infer<typeof escalationStepSchema>;

const exitActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('overflow'), queueId: id }),
  z.object({ kind: z.literal('voicemail'), target: transferTarget }),
  z.object({ kind: z.literal('hangup'), message: z.string().min(1).default('We are sorry, no agent is available. Please try again later.') }),
]);

export const queueSettingsSchema = z.object({
  /** Skills every interaction in this queue needs (the interaction may add more). */
  skills: z.array(skillRequirementSchema).default([]),
  /** Optional explicit member list; its order is the top-down order. Empty = any agent with the skills. */
  members: z.array(id).default([]),
  wrapUp: z
    .object({
      mode: z.enum(['auto', 'manual']).default('auto'),
      seconds: z.number().int().min(0).max(3600).default(0),
      maxExtensionSec: z.number().int().min(0).max(3600).default(0),
    })
    .default({ mode: 'auto', seconds: 0, maxExtensionSec: 0 }),
  /** How long an offer may ring / wait for accept before RONA. */
  offerTimeoutSec: z.number().int().min(1).max(600).default(20),
  /** RONA: after this many consecutive unanswered offers the agent goes not-ready "no-answer". */
  ronaMaxCount: z.number().int().min(1).max(100).default(1),
  sl: z
    .object({
      thresholdSec: z.number().int().min(1).max(3600).default(20),
      target: z.number().min(0).max(1).default(0.8),
      shortAbandonSec: z.number().int().min(0).max(600).default(5),
    })
    .default({ thresholdSec: 20, target: 0.8, shortAbandonSec: 5 }),
  maxWaitSec: z.number().int().min(1).max(86_400).optional(),
  maxWaitAction: exitActionSchema.default({ kind: 'hangup', message: 'We are sorry, no agent is available. Please try again later.' }),
  maxLength: z.number().int().min(1).max(1_000_000).optional(),
  /** Exit taken when the queue is full or (leave/join) empty. */
  fullAction: exitActionSchema.default({ kind: 'hangup', message: 'We are sorry, all our lines are busy. Please try again later.' }),
  /** Accept interactions when no eligible agent is logged in. */
  joinEmpty: z.boolean().default(true),
  /** Send waiting interactions to `fullAction` when the last eligible agent logs out. */
  leaveWhenEmpty: z.boolean().default(false),
  escalation: z.array(escalationStepSchema).default([]),
  /** Ageing: priority grows by `step` every `everySec` of waiting, up to `max`. */
  ageing: z
    .object({ everySec: z.number().int().min(1).max(3600), step: z.number().int().min(1).max(100), max: z.number().int().min(0).max(100).default(100) })
    .optional(),
  /** Added to the priority of VIP interactions (capped at 100). */
  vipBoost: z.number().int().min(0).max(100).default(20),
  announcements: z
    .object({
      mohStream: z.string().optional(),
      /** Announce position and estimated wait every N seconds (0 = never). */
      everySec: z.number().int().min(0).max(3600).default(0),
      position: z.boolean().default(true),
      ewt: z.boolean().default(true),
      /** A caller may press any key to skip an announcement. */
      skippable: z.boolean().default(true),
    })
    .default({ everySec: 0, position: true, ewt: true, skippable: true }),
  callback: z
    .object({
      enabled: z.boolean().default(false),
      /** Key the caller presses while waiting to ask for a callback. */
      digit: z.string().regex(/^[0-9*#]$/, { message: 'must be one DTMF key' }).default('*'),
      /** Call back callers who abandoned after the short-abandon threshold. */
      autoOnAbandon: z.boolean().default(false),
      callerId: z.string().default('0000'),
    })
    .default({ enabled: false, digit: '*', autoOnAbandon: false, callerId: '0000' }),
});
export type QueueSettings = z.infer<typeof queueSettingsSchema>;

export const queueSchema = z.object({
  id,
  name: z.string().min(1, { message: 'must not be empty' }).max(200),
  strategy: z.enum(STRATEGIES, { message: `expected one of ${STRATEGIES.join(', ')}` }).default('longest-idle'),
  settings: queueSettingsSchema.default(queueSettingsSchema.parse({})),
});
export type QueueConfig = z.infer<typeof queueSchema>;
export type QueueInput = z.input<typeof queueSchema>;

const capacitySchema = z
  .object({
    voice: z.number().int().min(0).max(1, { message: 'voice capacity is 0 or 1' }).default(1),
    chat: z.number().int().min(0).max(50).default(0),
    email: z.number().int().min(0).max(50).default(0),
    messenger: z.number().int().min(0).max(50).default(0),
  })
  .default({ voice: 1, chat: 0, email: 0, messenger: 0 });
export type Capacity = z.infer<typeof capacitySchema>;

export const agentSchema = z.object({
  id,
  name: z.string().min(1, { message: 'must not be empty' }).max(200),
  /** SIP user the agent's phone registers as (voice offers ring it). */
  sipUser: z.string().min(1).max(100).nullable().default(null),
  languages: z.array(z.string().min(2).max(20)).default([]),
  /** skill id → proficiency 1–10 */
  skills: z.record(id, z.number().int().min(1, { message: 'proficiency is 1 to 10' }).max(10, { message: 'proficiency is 1 to 10' })).default({}),
  capacity: capacitySchema,
  /** Mixing rule: how many non-voice interactions may run while on voice (0 = none). */
  nonVoiceWhileVoice: z.number().int().min(0).max(50).default(0),
});
export type AgentConfig = z.infer<typeof agentSchema>;
export type AgentInput = z.input<typeof agentSchema>;

export const skillSchema = z.object({ id, name: z.string().min(1, { message: 'must not be empty' }).max(200) });
export type SkillConfig = z.infer<typeof skillSchema>;

export const reasonCodeSchema = z.object({
  id,
  label: z.string().min(1, { message: 'must not be empty' }).max(200),
  /** Counted as productive time in occupancy (e.g. training)? */
  productive: z.boolean().default(false),
});
export type ReasonCode = z.infer<typeof reasonCodeSchema>;

/** Reason codes always present (the system uses them itself). */
export const BUILTIN_REASON_CODES: ReasonCode[] = [
  { id: 'no-answer', label: 'Did not answer an offer (RONA)', productive: false },
  { id: 'login', label: 'Just logged in', productive: false },
  { id: 'forced', label: 'Set by a supervisor', productive: false },
];

/** What a waiting interaction needs. */
export const requirementsSchema = z.object({
  queueId: id,
  channel: z.enum(CHANNELS, { message: `expected one of ${CHANNELS.join(', ')}` }).default('voice'),
  skills: z.array(skillRequirementSchema).default([]),
  language: z.string().min(2).max(20).optional(),
  priority: z.number().int().min(0, { message: 'priority is 0 to 100' }).max(100, { message: 'priority is 0 to 100' }).default(0),
  vip: z.boolean().default(false),
});
export type Requirements = z.infer<typeof requirementsSchema>;
export type RequirementsInput = z.input<typeof requirementsSchema>;

export type { Channel };

/** Turns a zod error into `field: reason` lines a person can act on. */
export function describeZodError(error: z.ZodError): { field: string; reason: string }[] {
  return error.issues.map((i) => ({ field: i.path.length ? i.path.join('.') : '(body)', reason: i.message }));
}
