/**
 * `record_message` — record what the caller says (stored like a recording, through the
 * MessageSink), keep its path in a variable, and continue. `voicemail` reuses
 * `captureMessage` and ends the flow.
 */
import { z } from 'zod';
import type { RecordingStoppedEvent } from '../../engine/port.js';
import type { NodeContext, NodeKindSpec } from '../types.js';
import { base, durationMs, nodeRef, prompts, type PromptSpec, VARIABLE_NAME } from './common.js';

export const recordMessageSchema = z.strictObject({
  kind: z.literal('record_message'),
  ...base,
  prompt: prompts.optional(),
  beep: z.boolean().default(true),
  max_duration_ms: durationMs(600_000, 'Longest message').default(120_000),
  finish_on_key: z.string().regex(/^[0-9*#]$/).default('#'),
  variable: z.string().regex(VARIABLE_NAME).default('message_path').describe('Keeps the stored file path'),
  next: nodeRef,
});
export type RecordMessageNode = z.output<typeof recordMessageSchema>;

export interface CapturedMessage {
  path: string;
  durationMs: number;
  /** How it ended: `key`, `hangup` or `max`. */
  endedBy: 'key' | 'hangup' | 'max';
}

export async function captureMessage(
  ctx: NodeContext,
  options: { prompt?: PromptSpec | PromptSpec[]; beep: boolean; maxDurationMs: number; finishOnKey: string; mailbox: string; folder: string },
): Promise<CapturedMessage> {
  if (options.prompt) await ctx.play(options.prompt);
  if (options.beep) await ctx.play({ tone: '%(500,0,1000)', duration_ms: 500 });
  const started = ctx.clock.now();
  const path = `${options.folder}/${options.mailbox}/${new Date(started).toISOString().slice(0, 10)}/${ctx.interactionId}-${started}.wav`;
  const recording = await ctx.leg.record({ path, stereo: false, maxDurationMs: options.maxDurationMs });
  const stopWaiting = new AbortController();
  const endedBy = await new Promise<CapturedMessage['endedBy']>((resolve) => {
    const onDtmf = (e: { digit: string }) => {
      if (e.digit === options.finishOnKey) resolve('key');
    };
    ctx.leg.on('dtmf', onDtmf);
    void ctx.leg.ended.then(() => resolve('hangup'));
    ctx.clock.sleep(options.maxDurationMs, stopWaiting.signal).then(() => resolve('max'), () => undefined);
    stopWaiting.signal.addEventListener('abort', () => ctx.leg.off('dtmf', onDtmf), { once: true });
  });
  stopWaiting.abort();
  let stopped: RecordingStoppedEvent | undefined;
  try {
    stopped = await recording.stop();
  } catch {
    // The leg may already be gone (the caller hung up to finish): the file is still written.
  }
  const durationMs = stopped?.durationMs ?? ctx.clock.now() - started;
  const storedPath = stopped?.path ?? path;
  await ctx.services.messages.store({
    interactionId: ctx.interactionId,
    legId: ctx.leg.id,
    mailbox: options.mailbox,
    path: storedPath,
    durationMs,
    callerNumber: ctx.leg.callerId.number,
    at: started,
  });
  return { path: storedPath, durationMs, endedBy };
}

export const recordMessage: NodeKindSpec<RecordMessageNode> = {
  kind: 'record_message',
  schema: recordMessageSchema,
  waitsForInput: true,
  summary: 'Record a message and continue',
  links: (n) => [{ target: n.next, label: 'next', path: ['next'] }],
  assigns: (n) => [n.variable],
  async run(node, ctx) {
    const msg = await captureMessage(ctx, {
      ...(node.prompt ? { prompt: node.prompt } : {}),
      beep: node.beep,
      maxDurationMs: node.max_duration_ms,
      finishOnKey: node.finish_on_key,
      mailbox: ctx.flow.id,
      folder: 'messages',
    });
    ctx.setVar(node.variable, msg.path);
    if (msg.endedBy === 'hangup') return { outcome: `recorded ${msg.durationMs} ms, caller hung up`, end: { kind: 'caller-hangup', node: ctx.nodeId } };
    return { outcome: `recorded ${msg.durationMs} ms (ended by ${msg.endedBy})`, next: node.next };
  },
};
