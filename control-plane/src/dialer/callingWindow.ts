/**
 * Calling windows in the lead's local time (pure, luxon). A window is [start, end) local
 * wall-clock time on the allowed weekdays. On a DST change luxon maps a start time that
 * does not exist (spring forward) to the first instant after the gap, and an ambiguous one
 * (fall back) to its first occurrence, so we never dial before the local start time.
 */
import { DateTime } from 'luxon';
import { WEEKDAYS, type CallingWindow } from './campaign.js';

function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number) as [number, number];
  return h * 60 + m;
}

function dayAllowed(window: CallingWindow, local: DateTime): boolean {
  const day = WEEKDAYS[local.weekday - 1];
  return day !== undefined && window.days.includes(day);
}

/** May a lead in `zone` be called at instant `at`? */
export function isWithinCallingWindow(window: CallingWindow, zone: string, at: number): boolean {
  const local = DateTime.fromMillis(at, { zone });
  if (!local.isValid) throw new Error(`invalid time zone ${zone}`);
  if (!dayAllowed(window, local)) return false;
  const minute = local.hour * 60 + local.minute;
  return minute >= minutesOf(window.start) && minute < minutesOf(window.end);
}

/**
 * The first instant at or after `at` when a lead in `zone` may be called. Always within 15
 * days: a window has at least one day a week, and when that day's window falls entirely in a
 * spring-forward gap (e.g. Sundays 02:00–02:30 in New York on the DST Sunday) the next week's
 * opens. The loop is bounded.
 */
export function nextCallableAt(window: CallingWindow, zone: string, at: number): number {
  if (isWithinCallingWindow(window, zone, at)) return at;
  const local = DateTime.fromMillis(at, { zone });
  const [sh, sm] = window.start.split(':').map(Number) as [number, number];
  for (let d = 0; d <= 15; d++) {
    const day = local.startOf('day').plus({ days: d });
    if (!dayAllowed(window, day)) continue;
    const opening = day.set({ hour: sh, minute: sm, second: 0, millisecond: 0 });
    const ms = opening.toMillis();
    // `set` inside a spring-forward gap moves later; the window may still be open then.
    if (ms >= at && isWithinCallingWindow(window, zone, ms)) return ms;
  }
  throw new Error(`calling window ${window.start}-${window.end} never opens in ${zone}`);
}

/** When the window that is open at `at` closes (undefined when it is closed at `at`). */
export function callingWindowClosesAt(window: CallingWindow, zone: string, at: number): number | undefined {
  if (!isWithinCallingWindow(window, zone, at)) return undefined;
  const local = DateTime.fromMillis(at, { zone });
  const [eh, em] = window.end.split(':').map(Number) as [number, number];
  return local.set({ hour: eh, minute: em, second: 0, millisecond: 0 }).toMillis();
}
