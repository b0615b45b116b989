/** Connects the IVR's events to the EventLog (synchronous append; the log batches the writes). */
import type { EventLog } from '../store/EventLog.js';
import type { IvrEventSink } from './types.js';

export function eventLogSink(log: Pick<EventLog, 'interactionEvent'>): IvrEventSink {
  return {
    append(e) {
      log.interactionEvent({ interactionId: e.interactionId, type: e.type, at: e.at, ...(e.queueId ? { queueId: e.queueId } : {}), data: e.data });
    },
  };
}
