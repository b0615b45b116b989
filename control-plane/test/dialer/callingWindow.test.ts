import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { callingWindowClosesAt, isWithinCallingWindow, nextCallableAt } from '../../src/dialer/callingWindow.js';
import { WEEKDAYS, type CallingWindow } from '../../src/dialer/campaign.js';

const ZONES = ['America/New_York', 'America/Los_Angeles', 'America/Phoenix', 'Europe/London', 'Europe/Berlin', 'Australia/Sydney', 'Asia/Kolkata', 'America/St_Johns', 'Pacific/Chatham'];
const at = (iso: string, zone: string): number => DateTime.fromISO(iso, { zone }).toMillis();

const windowArb: fc.Arbitrary<CallingWindow> = fc
  .record({
    start: fc.integer({ min: 0, max: 22 * 60 }),
    length: fc.integer({ min: 30, max: 14 * 60 }),
    days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
  })
  .map(({ start, length, days }) => {
    const end = Math.min(23 * 60 + 59, start + length);
    const hhmm = (m: number): string => `${String(Math.floor(m / 60)).padStart(2, '0')}:${String(m % 60).padStart(2, '0')}`;
    return { start: hhmm(start), end: hhmm(end), days };
  });
// 2026 includes the US, EU and southern-hemisphere DST changes.
const instantArb = fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2027-01-01T00:00:00Z') });

describe('calling windows in the lead’s local time', () => {
  const weekdays: CallingWindow = { start: '09:00', end: '21:00', days: ['mon', 'tue', 'wed', 'thu', 'fri'] };

  it('follows local wall-clock time, not UTC', () => {
    // 13:30 UTC on a Monday in January is 08:30 in New York (closed) and 13:30 in London (open).
    const t = Date.parse('2026-01-05T13:30:00Z');
    assert.equal(isWithinCallingWindow(weekdays, 'America/New_York', t), false);
    assert.equal(isWithinCallingWindow(weekdays, 'Europe/London', t), true);
    assert.equal(nextCallableAt(weekdays, 'America/New_York', t), at('2026-01-05T09:00', 'America/New_York'));
  });

  it('closes at the end minute and skips the weekend', () => {
    assert.equal(isWithinCallingWindow(weekdays, 'America/Chicago', at('2026-01-09T20:59', 'America/Chicago')), true);
    assert.equal(isWithinCallingWindow(weekdays, 'America/Chicago', at('2026-01-09T21:00', 'America/Chicago')), false);
    // Friday 21:00 → Monday 09:00.
    assert.equal(nextCallableAt(weekdays, 'America/Chicago', at('2026-01-09T21:00', 'America/Chicago')), at('2026-01-12T09:00', 'America/Chicago'));
  });

  it('keeps 09:00 local across the US spring-forward and fall-back days', () => {
    const everyDay: CallingWindow = { ...weekdays, days: [...WEEKDAYS] };
    // 8 March 2026: clocks go from 02:00 to 03:00 in New York; 09:00 EDT is 13:00 UTC (not 14:00).
    assert.equal(nextCallableAt(everyDay, 'America/New_York', Date.parse('2026-03-08T06:00:00Z')), Date.parse('2026-03-08T13:00:00Z'));
    // 1 November 2026: back to EST; 09:00 is 14:00 UTC.
    assert.equal(nextCallableAt(everyDay, 'America/New_York', Date.parse('2026-11-01T06:00:00Z')), Date.parse('2026-11-01T14:00:00Z'));
  });

  it('a window starting inside the spring-forward gap opens at the first instant after it', () => {
    const early: CallingWindow = { start: '02:30', end: '05:00', days: [...WEEKDAYS] };
    const opening = nextCallableAt(early, 'America/New_York', Date.parse('2026-03-08T05:00:00Z'));
    assert.equal(DateTime.fromMillis(opening, { zone: 'America/New_York' }).toFormat('yyyy-MM-dd HH:mm'), '2026-03-08 03:30');
  });

  // Found by the property below (fast-check counterexample): the only day's window lies in the DST gap.
  it('a Sunday-only window inside the spring-forward gap opens the following Sunday', () => {
    const w: CallingWindow = { start: '02:00', end: '02:30', days: ['sun'] };
    const from = at('2026-03-01T02:30', 'America/New_York'); // Sunday, just after the window
    assert.equal(DateTime.fromMillis(nextCallableAt(w, 'America/New_York', from), { zone: 'America/New_York' }).toISO(), '2026-03-15T02:00:00.000-04:00');
  });

  it('property: the next opening is not earlier than asked, is inside the window, and nothing earlier was', () => {
    fc.assert(
      fc.property(windowArb, fc.constantFrom(...ZONES), instantArb, (window, zone, t) => {
        const next = nextCallableAt(window, zone, t);
        assert.ok(next >= t);
        assert.ok(next - t <= 8 * 24 * 3600_000);
        assert.equal(isWithinCallingWindow(window, zone, next), true);
        // Sample instants between t and next: none may be callable.
        const step = Math.max(60_000, Math.floor((next - t) / 40));
        for (let x = t; x < next; x += step) assert.equal(isWithinCallingWindow(window, zone, x), false, `callable earlier at ${new Date(x).toISOString()}`);
        if (next > t) assert.equal(isWithinCallingWindow(window, zone, next - 60_000), false);
      }),
      { numRuns: 300 },
    );
  });

  it('property: when callable, the local time and weekday are inside the window and it closes later the same day', () => {
    fc.assert(
      fc.property(windowArb, fc.constantFrom(...ZONES), instantArb, (window, zone, t) => {
        if (!isWithinCallingWindow(window, zone, t)) return;
        const local = DateTime.fromMillis(t, { zone });
        assert.ok(window.days.includes(WEEKDAYS[local.weekday - 1] as (typeof WEEKDAYS)[number]));
        assert.ok(local.toFormat('HH:mm') >= window.start && local.toFormat('HH:mm') < window.end);
        const closes = callingWindowClosesAt(window, zone, t) as number;
        assert.ok(closes > t && closes - t <= 24 * 3600_000);
      }),
      { numRuns: 500 },
    );
  });
});
