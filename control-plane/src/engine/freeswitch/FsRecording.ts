/**
 * A recording of one call leg (`record_session` started by the leg; pause/resume as
 * `uuid_record mask|unmask`, so the file keeps its length and the paused spans are silent —
 * PCI). Paused spans are kept in recording time for the stored metadata.
 */
import { randomUUID } from 'node:crypto';
import type { Clock } from '../../clock.js';
import { CallGoneError } from '../errors.js';
import type { Recording, RecordingStoppedEvent } from '../port.js';

/** What a recording needs of its leg. */
export interface RecordedLeg {
  readonly id: string;
  api(command: string, operation: string): Promise<string>;
}

export class FsRecording implements Recording {
  readonly id = randomUUID();
  readonly startedAt: number;
  stoppedEvent: RecordingStoppedEvent | null = null;
  readonly #leg: RecordedLeg;
  readonly #clock: Clock;
  readonly #onStopped: (r: FsRecording) => void;
  readonly #spans: Array<{ fromMs: number; toMs: number }> = [];
  #pausedAt: number | null = null;

  constructor(
    leg: RecordedLeg,
    readonly path: string,
    readonly stereo: boolean,
    clock: Clock,
    onStopped: (r: FsRecording) => void,
  ) {
    this.#leg = leg;
    this.#clock = clock;
    this.#onStopped = onStopped;
    this.startedAt = clock.now();
  }

  async pause(): Promise<void> {
    if (this.stoppedEvent || this.#pausedAt !== null) return;
    await this.#leg.api(`uuid_record ${this.#leg.id} mask ${this.path}`, 'recording pause');
    this.#pausedAt = this.#clock.now() - this.startedAt;
  }

  async resume(): Promise<void> {
    if (this.stoppedEvent || this.#pausedAt === null) return;
    await this.#leg.api(`uuid_record ${this.#leg.id} unmask ${this.path}`, 'recording resume');
    this.#spans.push({ fromMs: this.#pausedAt, toMs: this.#clock.now() - this.startedAt });
    this.#pausedAt = null;
  }

  async stop(): Promise<RecordingStoppedEvent> {
    if (this.stoppedEvent) return this.stoppedEvent;
    try {
      await this.#leg.api(`uuid_record ${this.#leg.id} stop ${this.path}`, 'recording stop');
    } catch (err) {
      if (!(err instanceof CallGoneError)) throw err;
    }
    return this.#finish(null);
  }

  switchStopped(recordMs: number | null): void {
    this.#finish(recordMs);
  }

  legEnded(): void {
    this.#finish(null);
  }

  #finish(recordMs: number | null): RecordingStoppedEvent {
    if (this.stoppedEvent) return this.stoppedEvent;
    const elapsed = this.#clock.now() - this.startedAt;
    if (this.#pausedAt !== null) this.#spans.push({ fromMs: this.#pausedAt, toMs: elapsed });
    this.#pausedAt = null;
    this.stoppedEvent = {
      type: 'recording.stopped',
      legId: this.#leg.id,
      at: this.#clock.now(),
      recordingId: this.id,
      path: this.path,
      durationMs: recordMs ?? elapsed,
      pausedSpans: [...this.#spans],
    };
    this.#onStopped(this);
    return this.stoppedEvent;
  }
}

