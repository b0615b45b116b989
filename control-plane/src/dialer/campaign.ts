/**
 * The campaign model: everything a campaign manager sets, validated with zod at the edge.
 * `parseCampaignConfig` turns every problem into `<field path>: <what is wrong>` so the
 * person reading it knows which field to fix.
 */
import { z } from 'zod';
import { IANAZone } from 'luxon';
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import { DialerValidationError } from './errors.js';

export const DIAL_MODES = ['preview', 'progressive', 'power', 'predictive'] as const;
export type DialMode = (typeof DIAL_MODES)[number];

/** Outcomes of one dial attempt, as the retry rules name them. */
export const RETRY_OUTCOMES = ['busy', 'no-answer', 'machine', 'failed', 'abandoned'] as const;
export type RetryOutcome = (typeof RETRY_OUTCOMES)[number];

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const hhmm = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a local time as HH:MM (00:00 to 23:59)' });

export const ianaZone = z
  .string()
  .refine((v) => IANAZone.isValidZone(v), { message: 'expected an IANA time zone such as America/New_York' });

export const e164 = z.string().refine((v) => /^\+\d{6,15}$/.test(v) && parsePhoneNumberFromString(v)?.isValid() === true, {
  message: 'expected a valid phone number in E.164 form, e.g. +15551234567',
});

export const PromptSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tts'), text: z.string().min(1), voice: z.string().optional(), language: z.string().optional() }),
  z.object({ kind: z.literal('file'), path: z.string().min(1) }),
]);

export const CallingWindowSchema = z
  .object({
    start: hhmm,
    end: hhmm,
    days: z.array(z.enum(WEEKDAYS)).min(1, { message: 'choose at least one day' }).default(['mon', 'tue', 'wed', 'thu', 'fri']),
  })
  .refine((w) => w.start < w.end, { message: 'end must be later than start (windows do not span midnight)', path: ['end'] });
export type CallingWindow = z.infer<typeof CallingWindowSchema>;

export const DispositionSchema = z.object({
  code: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/, { message: 'expected a short code of a-z, 0-9, _ or -' }),
  label: z.string().min(1),
  /** `final`: the lead is finished; `retry`: dial again after the outcome's retry delay; `callback`: a time (and agent) is set. */
  effect: z.enum(['final', 'retry', 'callback']).default('final'),
  /** Put the number on the campaign's do-not-call list (e.g. "do not call me"). */
  addsToDnc: z.boolean().default(false),
  /** The agent reached an answering machine: not a live person, so it leaves the abandon-rate denominator. */
  countsAsMachine: z.boolean().default(false),
});
export type Disposition = z.infer<typeof DispositionSchema>;

export const DEFAULT_DISPOSITIONS: Disposition[] = [
  { code: 'sale', label: 'Sale', effect: 'final', addsToDnc: false, countsAsMachine: false },
  { code: 'not-interested', label: 'Not interested', effect: 'final', addsToDnc: false, countsAsMachine: false },
  { code: 'callback', label: 'Call back', effect: 'callback', addsToDnc: false, countsAsMachine: false },
  { code: 'wrong-number', label: 'Wrong number', effect: 'final', addsToDnc: false, countsAsMachine: false },
  { code: 'no-contact', label: 'No contact / try again', effect: 'retry', addsToDnc: false, countsAsMachine: false },
  { code: 'answering-machine', label: 'Answering machine', effect: 'retry', addsToDnc: false, countsAsMachine: true },
  { code: 'dnc', label: 'Do not call', effect: 'final', addsToDnc: true, countsAsMachine: false },
];

const minutes = z.number().int({ message: 'expected whole minutes' }).min(1, { message: 'expected at least 1 minute' }).max(60 * 24 * 30);

export const CampaignConfigSchema = z
  .object({
    name: z.string().trim().min(1, { message: 'a campaign needs a name' }).max(200),
    mode: z.enum(DIAL_MODES, { message: `expected one of ${DIAL_MODES.join(', ')}` }),
    /** Power mode: calls per ready agent. */
    powerRatio: z.number().min(1, { message: 'expected at least 1' }).max(10, { message: 'expected at most 10' }).default(2),
    /** Who takes the calls: an ACD queue, or a fixed group of agents. */
    target: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('queue'), queueId: z.string().min(1) }),
      z.object({ kind: z.literal('agents'), agentIds: z.array(z.string().min(1)).min(1, { message: 'name at least one agent' }) }),
    ]),
    callerId: z.object({ number: e164, name: z.string().max(50).optional() }),
    /** Ring time before a no-answer; regulators and carriers expect at least 15 s. */
    dialTimeoutSec: z.number().int().min(15, { message: 'ring at least 15 seconds before giving up' }).max(120).default(25),
    callingWindow: CallingWindowSchema,
    /** Used when a lead's time zone cannot be told from its number or a column. */
    defaultTimeZone: ianaZone.optional(),
    maxAttempts: z.number().int().min(1).max(50).default(5),
    retryDelayMin: z
      .object({ busy: minutes.default(15), 'no-answer': minutes.default(120), machine: minutes.default(240), failed: minutes.default(60), abandoned: minutes.default(60) })
      .default({ busy: 15, 'no-answer': 120, machine: 240, failed: 60, abandoned: 60 }),
    abandon: z
      .object({
        capPct: z.number().min(0).max(100).default(3),
        /** `30d`: per campaign over 30 days (US TSR); `24h`: over 24 hours (UK Ofcom). */
        window: z.enum(['30d', '24h']).default('30d'),
        /** Live answer with no agent after this long gets the safe-harbour message and counts as abandoned. */
        connectWithinMs: z.number().int().min(500).max(2000, { message: 'the rules allow at most 2000 ms' }).default(2000),
        safeHarbourMessage: PromptSchema.default({ kind: 'tts', text: 'Sorry we missed you. This call was from the campaign caller. We will try again later.' }),
      })
      .default({ capPct: 3, window: '30d', connectWithinMs: 2000, safeHarbourMessage: { kind: 'tts', text: 'Sorry we missed you. We will try again later.' } }),
    amd: z
      .object({
        enabled: z.boolean().default(false),
        onMachine: z.enum(['drop', 'leave-message', 'pass-to-agent']).default('drop'),
        message: PromptSchema.optional(),
        timeoutMs: z.number().int().min(1000).max(10_000).default(4000),
        /** Share of live people the detector wrongly calls a machine (measured by sampling); those calls count as abandons. */
        falsePositivePct: z.number().min(0).max(50).default(2),
      })
      .default({ enabled: false, onMachine: 'drop', timeoutMs: 4000, falsePositivePct: 2 })
      .refine((a) => a.onMachine !== 'leave-message' || a.message !== undefined, {
        message: 'leaving a message needs amd.message',
        path: ['message'],
      }),
    predictive: z
      .object({
        /** Abandon rate the pacing aims at; the cap stays the hard limit. Defaults to 70 % of the cap. */
        targetAbandonPct: z.number().min(0).max(100).optional(),
        /** Never more than this many calls in flight per agent. */
        maxDialsPerAgent: z.number().min(1).max(20).default(6),
        /** Answers needed before the measured answer rate is trusted over the cautious prior. */
        warmupAnswers: z.number().int().min(0).max(10_000).default(100),
      })
      .default({ maxDialsPerAgent: 6, warmupAnswers: 100 }),
    /** Preview mode: time an agent has to read the lead before the call is placed. */
    previewSec: z.number().int().min(0).max(600).default(10),
    /** Time after a call before the agent is ready again (used for pacing estimates until measured). */
    wrapUpSec: z.number().int().min(0).max(3600).default(15),
    dispositions: z.array(DispositionSchema).min(1).default(DEFAULT_DISPOSITIONS),
    /** The agent's call script (shown with the lead; `{{column}}` placeholders are the lead's columns). */
    script: z.string().max(20_000).optional(),
  })
  .refine((c) => c.predictive.targetAbandonPct === undefined || c.predictive.targetAbandonPct <= c.abandon.capPct, {
    message: 'the target must not be above abandon.capPct',
    path: ['predictive', 'targetAbandonPct'],
  });

export type CampaignConfigInput = z.input<typeof CampaignConfigSchema>;
export type CampaignConfig = z.output<typeof CampaignConfigSchema>;

/** A partial update applied live (pacing parameters and the like). */
export const CampaignPatchSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    mode: z.enum(DIAL_MODES),
    powerRatio: z.number().min(1).max(10),
    dialTimeoutSec: z.number().int().min(15, { message: 'ring at least 15 seconds before giving up' }).max(120),
    maxAttempts: z.number().int().min(1).max(50),
    previewSec: z.number().int().min(0).max(600),
    wrapUpSec: z.number().int().min(0).max(3600),
    predictive: z.object({
      targetAbandonPct: z.number().min(0).max(100).optional(),
      maxDialsPerAgent: z.number().min(1).max(20).optional(),
      warmupAnswers: z.number().int().min(0).max(10_000).optional(),
    }),
    abandon: z.object({ capPct: z.number().min(0).max(100).optional(), window: z.enum(['30d', '24h']).optional() }),
  })
  .partial()
  .strict();
export type CampaignPatch = z.infer<typeof CampaignPatchSchema>;

export const CAMPAIGN_STATES = ['draft', 'running', 'paused', 'stopped', 'finished'] as const;
export type CampaignState = (typeof CAMPAIGN_STATES)[number];

export interface Campaign {
  id: string;
  state: CampaignState;
  config: CampaignConfig;
  createdAt: number;
  updatedAt: number;
}

/** Every zod issue as `path: message`, the path written as a person would (`retryDelayMin.busy`, `dispositions[2].code`). */
export function describeIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.reduce<string>((acc, part) => (typeof part === 'number' ? `${acc}[${part}]` : acc ? `${acc}.${String(part)}` : String(part)), prefix);
    return `${path || '(campaign)'}: ${issue.message}`;
  });
}

export function parseCampaignConfig(input: unknown): CampaignConfig {
  const result = CampaignConfigSchema.safeParse(input);
  if (!result.success) throw new DialerValidationError(describeIssues(result.error));
  return result.data;
}

/** Applies a live change; the result is validated as a whole so a patch cannot break the campaign. */
export function applyCampaignPatch(config: CampaignConfig, patch: unknown): CampaignConfig {
  const parsed = CampaignPatchSchema.safeParse(patch);
  if (!parsed.success) throw new DialerValidationError(describeIssues(parsed.error));
  const p = parsed.data;
  const merged = {
    ...config,
    ...p,
    predictive: { ...config.predictive, ...(p.predictive ?? {}) },
    abandon: { ...config.abandon, ...(p.abandon ?? {}) },
  };
  return parseCampaignConfig(merged);
}

/** The abandon rate pacing aims at (below the cap, which stays the hard limit). */
export function targetAbandonPct(config: CampaignConfig): number {
  return config.predictive.targetAbandonPct ?? config.abandon.capPct * 0.7;
}

export function abandonWindowMs(config: CampaignConfig): number {
  return config.abandon.window === '24h' ? 24 * 3600_000 : 30 * 24 * 3600_000;
}
