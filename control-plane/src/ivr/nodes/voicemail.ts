/** `voicemail` — greet, beep, record into a mailbox; the flow ends with outcome voicemail. */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base, durationMs, prompts } from './common.js';
import { captureMessage } from './record_message.js';

export const voicemailSchema = z.strictObject({
  kind: z.literal('voicemail'),
  ...base,
  mailbox: z.string().regex(/^[A-Za-z0-9_.-]+$/, { message: 'a mailbox is letters, digits, _ . -' }),
  prompt: prompts.optional(),
  beep: z.boolean().default(true),
  max_duration_ms: durationMs(600_000, 'Longest message').default(120_000),
  finish_on_key: z.string().regex(/^[0-9*#]$/).default('#'),
  goodbye: prompts.optional().describe('Played when the caller pressed the finish key'),
});
export type VoicemailNode = z.output<typeof voicemailSchema>;

export const voicemail: NodeKindSpec<VoicemailNode> = {
  kind: 'voicemail',
  schema: voicemailSchema,
  waitsForInput: true,
  summary: 'Leave a voicemail',
  links: () => [],
  async run(node, ctx) {
    const msg = await captureMessage(ctx, {
      ...(node.prompt ? { prompt: node.prompt } : {}),
      beep: node.beep,
      maxDurationMs: node.max_duration_ms,
      finishOnKey: node.finish_on_key,
      mailbox: node.mailbox,
      folder: 'voicemail',
    });
    ctx.emit('voicemail', { mailbox: node.mailbox, path: msg.path, durationMs: msg.durationMs });
    if (msg.endedBy !== 'hangup') {
      try {
        if (node.goodbye) await ctx.play(node.goodbye);
        await ctx.leg.hangup('NORMAL_CLEARING');
      } catch {
        // The caller left during the goodbye: the message is stored either way.
      }
    }
    return {
      outcome: `voicemail ${msg.durationMs} ms (ended by ${msg.endedBy})`,
      end: { kind: 'voicemail', mailbox: node.mailbox, path: msg.path, durationMs: msg.durationMs },
    };
  },
};
