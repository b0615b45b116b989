/**
 * Raw ESL events → a discriminated union the rest of the adapter switches on. Only the
 * headers each kind needs are read (lazily); `event` keeps the rest reachable.
 */
import type { EslEvent } from './EslEvent.js';

interface Base {
  event: EslEvent;
  /** Unique-ID of the channel, '' for events without one. */
  uuid: string;
}

export type FsEvent =
  | (Base & { type: 'BACKGROUND_JOB'; jobUuid: string; ok: boolean; result: string })
  | (Base & { type: 'HEARTBEAT'; coreUuid: string; sessions: number; maxSessions: number; sessionsPerSecond: number; idleCpu: number })
  | ExecuteEvent
  | (Base & { type: 'CHANNEL_HANGUP' | 'CHANNEL_HANGUP_COMPLETE'; cause: string; disposition: string })
  | (Base & { type: 'CHANNEL_BRIDGE' | 'CHANNEL_UNBRIDGE'; otherUuid: string })
  | (Base & { type: 'CHANNEL_ANSWER' | 'CHANNEL_CREATE' | 'CHANNEL_DESTROY' | 'CHANNEL_PROGRESS' })
  | (Base & { type: 'DTMF'; digit: string })
  | (Base & { type: 'RECORD_STOP'; path: string; recordMs: number | null })
  | (Base & { type: 'AVMD'; phase: 'start' | 'beep' | 'stop'; beepStatus: string })
  | (Base & { type: 'OTHER'; name: string });

export interface ExecuteEvent extends Base {
  type: 'CHANNEL_EXECUTE' | 'CHANNEL_EXECUTE_COMPLETE';
  application: string;
  applicationUuid: string;
  response: string;
}

export type FsEventType = FsEvent['type'];

function num(v: string | undefined): number {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
}

export function toFsEvent(event: EslEvent): FsEvent {
  const name = event.name;
  const uuid = event.get('Unique-ID') ?? '';
  switch (name) {
    case 'BACKGROUND_JOB': {
      const result = event.body;
      return { type: name, event, uuid, jobUuid: event.get('Job-UUID') ?? '', ok: result.startsWith('+OK'), result };
    }
    case 'HEARTBEAT':
      return {
        type: name,
        event,
        uuid,
        coreUuid: event.get('Core-UUID') ?? '',
        sessions: num(event.get('Session-Count')),
        maxSessions: num(event.get('Max-Sessions')),
        sessionsPerSecond: num(event.get('Session-Per-Sec-Last')),
        idleCpu: num(event.get('Idle-CPU')),
      };
    case 'CHANNEL_EXECUTE':
    case 'CHANNEL_EXECUTE_COMPLETE':
      return {
        type: name,
        event,
        uuid,
        application: event.get('Application') ?? '',
        applicationUuid: event.get('Application-UUID') ?? '',
        response: event.get('Application-Response') ?? '',
      };
    case 'CHANNEL_HANGUP':
    case 'CHANNEL_HANGUP_COMPLETE':
      return {
        type: name,
        event,
        uuid,
        cause: event.get('Hangup-Cause') ?? event.get('variable_hangup_cause') ?? 'NORMAL_CLEARING',
        disposition: event.get('variable_sip_hangup_disposition') ?? '',
      };
    case 'CHANNEL_BRIDGE':
    case 'CHANNEL_UNBRIDGE':
      return { type: name, event, uuid, otherUuid: event.get('Other-Leg-Unique-ID') ?? event.get('Bridge-B-Unique-ID') ?? '' };
    case 'CHANNEL_ANSWER':
    case 'CHANNEL_CREATE':
    case 'CHANNEL_DESTROY':
    case 'CHANNEL_PROGRESS':
      return { type: name, event, uuid };
    case 'DTMF':
      return { type: name, event, uuid, digit: event.get('DTMF-Digit') ?? '' };
    case 'RECORD_STOP': {
      const ms = event.get('variable_record_ms');
      return { type: name, event, uuid, path: event.get('Record-File-Path') ?? '', recordMs: ms === undefined ? null : num(ms) };
    }
    case 'CUSTOM': {
      const sub = event.get('Event-Subclass') ?? '';
      if (sub === 'avmd::start' || sub === 'avmd::beep' || sub === 'avmd::stop') {
        return { type: 'AVMD', event, uuid, phase: sub.slice(6) as 'start' | 'beep' | 'stop', beepStatus: event.get('Beep-Status') ?? '' };
      }
      return { type: 'OTHER', event, uuid, name: `CUSTOM ${sub}` };
    }
    default:
      return { type: 'OTHER', event, uuid, name };
  }
}
