/** Recording policy decisions and file naming: pure, no I/O. */
import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { z } from 'zod';

export const POLICY_MODES = ['all', 'none', 'percentage'] as const;

export const TEMPLATE_VARS = ['interactionId', 'recordingId', 'queue', 'campaign', 'agent', 'caller', 'date', 'time', 'yyyy', 'MM', 'dd'] as const;

export const recordingPolicySchema = z.object({
  mode: z.enum(POLICY_MODES, { message: 'expected all, none or percentage' }),
  percentage: z.number().int().min(0, { message: 'expected 0 to 100' }).max(100, { message: 'expected 0 to 100' }).default(100),
  stereo: z.boolean().default(true),
  format: z.enum(['wav', 'mp3'], { message: 'expected wav or mp3' }).default('wav'),
  namingTemplate: z.string().min(1).max(300).default('{yyyy}/{MM}/{dd}/{queue}/{interactionId}').superRefine((tpl, ctx) => {
    for (const m of tpl.matchAll(/\{([^}]*)\}/g)) {
      if (!(TEMPLATE_VARS as readonly string[]).includes(m[1] as string)) {
        ctx.addIssue({ code: 'custom', message: `unknown placeholder {${m[1]}}; use ${TEMPLATE_VARS.map((v) => `{${v}}`).join(', ')}` });
      }
    }
    if (!tpl.includes('{interactionId}') && !tpl.includes('{recordingId}')) {
      ctx.addIssue({ code: 'custom', message: 'must contain {interactionId} or {recordingId} so names are unique' });
    }
    if (tpl.includes('..') || tpl.startsWith('/')) ctx.addIssue({ code: 'custom', message: 'must be a relative path without ..' });
  }),
  /** Days to keep; null keeps forever. */
  retentionDays: z.number().int().min(1, { message: 'expected at least 1 day' }).max(36_500).nullable().default(null),
});
export type RecordingPolicy = z.output<typeof recordingPolicySchema>;

export const DEFAULT_POLICY: RecordingPolicy = {
  mode: 'all', percentage: 100, stereo: true, format: 'wav', namingTemplate: '{yyyy}/{MM}/{dd}/{queue}/{interactionId}', retentionDays: null,
};

/**
 * Whether to record this interaction. Percentage sampling hashes the interaction id, so the
 * decision is the same on every control plane and on a retry.
 */
export function shouldRecord(policy: Pick<RecordingPolicy, 'mode' | 'percentage'>, interactionId: string): boolean {
  if (policy.mode === 'all') return true;
  if (policy.mode === 'none') return false;
  const bucket = createHash('sha256').update(interactionId).digest().readUInt32BE(0) % 100;
  return bucket < policy.percentage;
}

const safe = (v: string | null | undefined): string => (v ? v.replace(/[^A-Za-z0-9_+.-]/g, '_').replace(/^\.+/, '_') : 'none');

/** The storage key for one recording: the template with each placeholder filled and made path-safe. */
export function renderName(template: string, vars: {
  interactionId: string; recordingId: string; queue?: string | null; campaign?: string | null; agent?: string | null;
  caller?: string | null; startedAt: number; format: string;
}): string {
  const t = DateTime.fromMillis(vars.startedAt, { zone: 'utc' });
  const values: Record<string, string> = {
    interactionId: safe(vars.interactionId), recordingId: safe(vars.recordingId), queue: safe(vars.queue), campaign: safe(vars.campaign),
    agent: safe(vars.agent), caller: safe(vars.caller), date: t.toFormat('yyyyMMdd'), time: t.toFormat('HHmmss'),
    yyyy: t.toFormat('yyyy'), MM: t.toFormat('MM'), dd: t.toFormat('dd'),
  };
  const name = template.replace(/\{([^}]*)\}/g, (_m, k: string) => values[k] ?? '_');
  return `${name}.${vars.format}`;
}
