/**
 * Readers for what SIPp writes: the statistics CSV (-trace_stat), the response-time CSV
 * (-trace_rtt), the per-message counts CSV (-trace_counts) and the <log> lines our
 * scenarios write (-trace_logs). All are ';'-separated with a header line.
 */
import { parse } from 'csv-parse/sync';

export interface StatRow {
  /** Seconds since the epoch of this row (CurrentTime). */
  time: number;
  /** Seconds since the epoch when SIPp started (StartTime). */
  start: number;
  values: Record<string, string>;
}

function rows(text: string): string[][] {
  return parse(text, { delimiter: ';', relax_column_count: true, skip_empty_lines: true, trim: true }) as string[][];
}

/** SIPp's date fields read "2026-11-21\t22:45:39.715305\t1795301139.715305": take the epoch. */
export function sippEpoch(field: string | undefined): number {
  const last = (field ?? '').split(/\s+/).pop() ?? '';
  const n = Number(last);
  if (!Number.isFinite(n)) throw new Error(`not a SIPp timestamp: "${field}"`);
  return n;
}

export function parseStatCsv(text: string): StatRow[] {
  const [header, ...body] = rows(text);
  if (!header || !header.includes('CurrentTime') || !header.includes('TotalCallCreated')) {
    throw new Error('not a SIPp -trace_stat file: the header has no CurrentTime/TotalCallCreated column');
  }
  return body.map((r) => {
    const values: Record<string, string> = {};
    header.forEach((h, i) => {
      if (h) values[h] = r[i] ?? '';
    });
    return { time: sippEpoch(values.CurrentTime), start: sippEpoch(values.StartTime), values };
  });
}

export function num(row: StatRow | undefined, column: string): number {
  const v = Number(row?.values[column] ?? 0);
  return Number.isFinite(v) ? v : 0;
}

/** "00:00:01:234000" (SIPp's duration format) to milliseconds. */
export function sippDurationMs(field: string): number {
  const m = /^(\d+):(\d+):(\d+):(\d+)$/.exec(field.trim());
  if (!m) return NaN;
  return ((Number(m[1]) * 60 + Number(m[2])) * 60 + Number(m[3])) * 1000 + Number(m[4]) / 1000;
}

export interface RttSample {
  /** Milliseconds since SIPp started. */
  atMs: number;
  valueMs: number;
  timer: string;
}

export function parseRttCsv(text: string): RttSample[] {
  const [header, ...body] = rows(text);
  if (!header || header[0] !== 'Date_ms') throw new Error('not a SIPp -trace_rtt file: the header does not start with Date_ms');
  return body
    .filter((r) => r.length >= 3)
    .map((r) => ({ atMs: Number(r[0]), valueMs: Number(r[1]), timer: r[2] ?? '' }))
    .filter((s) => Number.isFinite(s.atMs) && Number.isFinite(s.valueMs));
}

/** Last row of -trace_counts: message counters such as `5_486_Recv`. */
export function parseCountsCsv(text: string): Record<string, number> {
  const all = rows(text);
  const header = all[0];
  const last = all[all.length - 1];
  if (!header || !last || all.length < 2) return {};
  const out: Record<string, number> = {};
  header.forEach((h, i) => {
    const v = Number(last[i]);
    if (h && /^\d+_/.test(h) && Number.isFinite(v)) out[h] = v;
  });
  return out;
}

export interface LogEvent {
  event: string;
  id: string;
  /** Milliseconds since the epoch. */
  at: number;
  extra?: string;
}

/** Lines `event;id;seconds;microseconds` written by the scenarios' <log> actions. */
export function parseLoadLog(text: string): LogEvent[] {
  const out: LogEvent[] = [];
  for (const line of text.split('\n')) {
    const [event, id, s, us] = line.trim().split(';');
    if (!event || !id || s === undefined || us === undefined) continue;
    const at = Number(s) * 1000 + Number(us) / 1000;
    if (Number.isFinite(at)) out.push({ event, id, at });
  }
  return out;
}

/** Nearest-rank percentile of unsorted values; NaN for none. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))] as number;
}
