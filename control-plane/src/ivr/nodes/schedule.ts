/**
 * `schedule` — business hours per weekday plus a holiday calendar, in a named time zone,
 * read from the engine clock (virtual in the simulator, so tests pin the time).
 */
import { z } from 'zod';
import { DateTime, IANAZone } from 'luxon';
import type { NodeKindSpec } from '../types.js';
import { base, nodeRef, VARIABLE_NAME } from './common.js';

const RANGE = /^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/;
const range = z.string().regex(RANGE, { message: 'hours are written HH:MM-HH:MM, e.g. 08:30-17:00' });
const dayHours = z.union([range, z.array(range), z.literal('closed')]);
const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

export const scheduleSchema = z.strictObject({
  kind: z.literal('schedule'),
  ...base,
  timezone: z.string().describe('IANA time zone, e.g. Europe/Paris'),
  hours: z
    .strictObject(Object.fromEntries(WEEKDAYS.map((d) => [d, dayHours.optional()])) as Record<(typeof WEEKDAYS)[number], z.ZodOptional<typeof dayHours>>)
    .describe('Opening hours per weekday; a day not listed is closed'),
  holidays: z
    .array(
      z.strictObject({
        date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, { message: 'a holiday date is YYYY-MM-DD' }),
        name: z.string().optional(),
        hours: dayHours.optional().describe('Reduced hours that day; omitted means closed all day'),
      }),
    )
    .default([]),
  holiday_variable: z.string().regex(VARIABLE_NAME).optional().describe('Keeps the holiday name'),
  open: nodeRef,
  closed: nodeRef,
  holiday: nodeRef.optional().describe('Where to go on a holiday (default: closed)'),
});
export type ScheduleNode = z.output<typeof scheduleSchema>;

export const schedule: NodeKindSpec<ScheduleNode> = {
  kind: 'schedule',
  schema: scheduleSchema,
  waitsForInput: false,
  summary: 'Business hours and holidays',
  links: (n) => [
    { target: n.open, label: 'open', path: ['open'] },
    { target: n.closed, label: 'closed', path: ['closed'] },
    ...(n.holiday ? [{ target: n.holiday, label: 'holiday', path: ['holiday'] }] : []),
  ],
  assigns: (n) => (n.holiday_variable ? [n.holiday_variable] : []),
  check(node, problem) {
    if (!IANAZone.isValidZone(node.timezone)) {
      problem(['timezone'], `"${node.timezone}" is not a time zone`, 'use an IANA name such as Europe/London or America/New_York');
    }
    for (const [i, h] of node.holidays.entries()) {
      if (!DateTime.fromISO(h.date).isValid) problem(['holidays', i, 'date'], `"${h.date}" is not a calendar date`, 'write a real date as YYYY-MM-DD');
    }
    for (const d of WEEKDAYS) {
      const spec = node.hours[d];
      for (const [i, r] of toRanges(spec).entries()) {
        if (r.from >= r.to) problem(['hours', d, ...(Array.isArray(spec) ? [i] : [])], `the range ends before it starts`, 'write the earlier time first, e.g. 08:00-17:00');
      }
    }
  },
  async run(node, ctx) {
    const local = DateTime.fromMillis(ctx.clock.now(), { zone: node.timezone });
    const date = local.toISODate() ?? '';
    const minute = local.hour * 60 + local.minute;
    const stamp = local.toFormat("ccc yyyy-LL-dd HH:mm ZZZZ");
    const holiday = node.holidays.find((h) => h.date === date);
    if (holiday) {
      if (node.holiday_variable) ctx.setVar(node.holiday_variable, holiday.name ?? date);
      if (!isOpen(holiday.hours, minute)) {
        return { outcome: `holiday ${holiday.name ?? date} (${stamp})`, next: node.holiday ?? node.closed };
      }
      return { outcome: `open on holiday ${holiday.name ?? date} (${stamp})`, next: node.open };
    }
    const day = WEEKDAYS[local.weekday - 1] as (typeof WEEKDAYS)[number];
    return isOpen(node.hours[day], minute)
      ? { outcome: `open (${stamp})`, next: node.open }
      : { outcome: `closed (${stamp})`, next: node.closed };
  },
};

function toRanges(spec: string | string[] | undefined): Array<{ from: number; to: number }> {
  if (spec === undefined || spec === 'closed') return [];
  const list = Array.isArray(spec) ? spec : [spec];
  return list.map((r) => {
    const [a = '', b = ''] = r.split('-');
    const m = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3, 5));
    return { from: m(a), to: m(b) };
  });
}

function isOpen(spec: string | string[] | undefined, minute: number): boolean {
  return toRanges(spec).some((r) => minute >= r.from && minute < r.to);
}
