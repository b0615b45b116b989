/**
 * In-memory implementations of the IVR's hand-off interfaces: the test runner and tests
 * use them to see what a flow handed over; main.ts can use them until the ACD and the
 * recording store are connected.
 */
import type { CallLeg } from '../engine/port.js';
import type {
  CallbackHandoff,
  CallbackRequest,
  IvrEvent,
  IvrEventSink,
  MessageSink,
  QueueHandoff,
  QueueRequest,
  QueueResult,
  StoredMessage,
  SurveyAnswer,
  SurveySink,
} from './types.js';

export class RecordingQueueHandoff implements QueueHandoff {
  readonly requests: Array<Omit<QueueRequest, 'signal'>> = [];
  constructor(
    private readonly result: (request: QueueRequest, leg: CallLeg) => QueueResult | Promise<QueueResult> = () => ({ outcome: 'ended' }),
    private readonly figures: Record<string, { waiting: number; ewtSeconds: number }> = {},
  ) {}
  async enqueue(leg: CallLeg, request: QueueRequest): Promise<QueueResult> {
    const { signal: _signal, ...rest } = request;
    this.requests.push(structuredClone(rest));
    return this.result(request, leg);
  }
  stats(queue: string): { waiting: number; ewtSeconds: number } {
    return this.figures[queue] ?? { waiting: 0, ewtSeconds: 0 };
  }
}

export class MemoryCallbackHandoff implements CallbackHandoff {
  readonly requests: CallbackRequest[] = [];
  async requestCallback(request: CallbackRequest): Promise<{ id: string }> {
    this.requests.push(structuredClone(request));
    return { id: `cb-${this.requests.length}` };
  }
}

export class MemorySurveySink implements SurveySink {
  readonly answers: SurveyAnswer[] = [];
  async record(answer: SurveyAnswer): Promise<void> {
    this.answers.push({ ...answer });
  }
}

export class MemoryMessageSink implements MessageSink {
  readonly messages: StoredMessage[] = [];
  async store(message: StoredMessage): Promise<void> {
    this.messages.push({ ...message });
  }
}

export class MemoryEventSink implements IvrEventSink {
  readonly events: IvrEvent[] = [];
  append(event: IvrEvent): void {
    this.events.push(event);
  }
}
