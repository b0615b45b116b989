/**
 * `callback` — offer to call the caller back (on the number they call from, or another
 * they key in), hand the request to the ACD (which keeps their place), confirm, hang up.
 */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base, durationMs, nodeRef, prompts } from './common.js';

export const callbackSchema = z.strictObject({
  kind: z.literal('callback'),
  ...base,
  queue: z.string().min(1).describe('Queue the callback waits in (must exist)'),
  prompt: prompts.default('To be called back on the number you are calling from, press 1. To enter another number, press 2.'),
  number_prompt: prompts.default('Please enter your phone number, then press hash.'),
  confirmation: prompts.default('Thank you. We will call you back shortly. Goodbye.'),
  min_length: z.number().int().min(3).max(20).default(7),
  max_length: z.number().int().min(3).max(20).default(15),
  timeout_ms: durationMs(60_000, 'Wait for a key').default(5000),
  tries: z.number().int().min(1).max(5).default(2),
  next: nodeRef.optional().describe('Continue here after the request (default: confirm and hang up)'),
  on_failure: nodeRef.describe('Where to go when no number was given or the ACD refused'),
});
export type CallbackNode = z.output<typeof callbackSchema>;

export const callback: NodeKindSpec<CallbackNode> = {
  kind: 'callback',
  schema: callbackSchema,
  waitsForInput: true,
  summary: 'Take a callback request',
  links: (n) => [
    ...(n.next ? [{ target: n.next, label: 'next', path: ['next'] }] : []),
    { target: n.on_failure, label: 'on_failure', path: ['on_failure'] },
  ],
  assigns: () => ['callback_number'],
  queues: (n) => (n.queue.includes('${') ? [] : [{ queue: n.queue, path: ['queue'] }]),
  async run(node, ctx) {
    let number: string | undefined;
    const keys: string[] = [];
    for (let attempt = 1; attempt <= node.tries && number === undefined; attempt++) {
      const choice = await ctx.collect({ prompt: node.prompt, minDigits: 1, maxDigits: 1, timeoutMs: node.timeout_ms });
      if (choice.digits) keys.push(choice.digits);
      const callerNumber = /^\+?[0-9]{3,20}$/.test(ctx.leg.callerId.number) ? ctx.leg.callerId.number : '';
      if (choice.digits === '1' && callerNumber) number = callerNumber;
      // Anonymous callers who press 1 are asked for a number too.
      else if (choice.digits === '2' || choice.digits === '1') {
        const entered = await ctx.collect({
          prompt: node.number_prompt,
          minDigits: node.min_length,
          maxDigits: node.max_length,
          timeoutMs: node.timeout_ms,
          terminators: '#',
        });
        if (entered.outcome === 'ok' && entered.digits.length >= node.min_length) number = entered.digits;
        if (entered.digits) keys.push(entered.digits);
      }
    }
    if (number === undefined) return { outcome: 'no number', input: keys.join(','), next: node.on_failure };
    const queueId = await ctx.renderString(node.queue);
    try {
      await ctx.services.callback.requestCallback({
        interactionId: ctx.interactionId,
        queue: queueId,
        number,
        variables: ctx.publicVariables(),
        flow: { id: ctx.flow.id, version: ctx.flowVersion },
        requestedAt: ctx.clock.now(),
      });
    } catch (err) {
      ctx.log.warn({ err: (err as Error).message }, 'callback request refused');
      return { outcome: `refused: ${(err as Error).message}`, input: keys.join(','), next: node.on_failure };
    }
    ctx.setVar('callback_number', number);
    ctx.emit('callback.requested', { number, queue: queueId }, queueId);
    if (node.next) return { outcome: `callback on ${number}`, input: keys.join(','), next: node.next };
    await ctx.play(node.confirmation);
    await ctx.leg.hangup('NORMAL_CLEARING');
    return { outcome: `callback on ${number}`, input: keys.join(','), end: { kind: 'callback', queue: queueId, number } };
  },
};
