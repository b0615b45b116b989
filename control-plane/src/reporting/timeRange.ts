/**
 * Time-zone aware report ranges: `from`/`to` are local dates (2026-01-05) or local date-times
 * (2026-01-05T08:00) in `tz` (an IANA zone), or absolute ISO instants with an offset. `to` is
 * exclusive; a date-only `to` means the end of that day (so from=to=2026-01-05 is one day).
 */
import { DateTime } from 'luxon';
import { z } from 'zod';

const LOCAL = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;
const ABSOLUTE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

export const timeZone = z
  .string()
  .default('UTC')
  .refine((tz) => DateTime.now().setZone(tz).isValid, { message: 'expected an IANA time zone such as Europe/Paris or UTC' });

export const timePoint = z.string().refine((v) => LOCAL.test(v) || ABSOLUTE.test(v), {
  message: 'expected a date (2026-01-05), a local date-time (2026-01-05T08:00) or an ISO instant with offset',
});

export function resolveRange(from: string, to: string, tz: string): { from: number; to: number } {
  const parse = (v: string, isEnd: boolean): number => {
    if (ABSOLUTE.test(v)) return DateTime.fromISO(v, { setZone: true }).toMillis();
    const dt = DateTime.fromISO(v, { zone: tz });
    if (!dt.isValid) throw new Error(`${v} is not a valid date: ${dt.invalidExplanation ?? dt.invalidReason}`);
    return (isEnd && v.length === 10 ? dt.plus({ days: 1 }) : dt).toMillis();
  };
  return { from: parse(from, false), to: parse(to, true) };
}

export type Granularity = 'interval' | 'hour' | 'day' | 'total';

/** The start (epoch ms) of the bucket holding `at`, in `tz`. */
export function bucketStart(at: number, granularity: Granularity, tz: string, rangeFrom: number): number {
  if (granularity === 'interval') return at;
  if (granularity === 'total') return rangeFrom;
  return DateTime.fromMillis(at, { zone: tz }).startOf(granularity).toMillis();
}

export function localIso(at: number, tz: string): string {
  return DateTime.fromMillis(at, { zone: tz }).toISO({ suppressMilliseconds: true }) ?? new Date(at).toISOString();
}
