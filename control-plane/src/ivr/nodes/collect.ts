/**
 * `collect` — digits into a variable: min/max length, terminator, timeout, regex
 * validation, tries, and an optional read-back for the caller to confirm.
 */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base, durationMs, nodeRef, prompts, variableName } from './common.js';

export const collectSchema = z.strictObject({
  kind: z.literal('collect'),
  ...base,
  prompt: prompts,
  variable: variableName.describe('Where the digits go'),
  min_length: z.number().int().min(1).max(64).default(1),
  max_length: z.number().int().min(1).max(64).default(16),
  terminator: z.string().regex(/^[0-9*#]*$/, { message: 'terminators are keys: 0-9, * or #' }).default('#'),
  timeout_ms: durationMs(60_000, 'Wait for the first key').default(5000),
  inter_digit_timeout_ms: durationMs(60_000, 'Wait between keys').optional(),
  regex: z.string().optional().describe('The whole input must match this regular expression'),
  tries: z.number().int().min(1).max(10).default(3),
  invalid_prompt: prompts.optional(),
  timeout_prompt: prompts.optional(),
  confirm: z
    .strictObject({
      prompt: prompts.describe('Read-back; ${value} is what was entered (template)'),
      yes: z.string().regex(/^[0-9*#]$/).default('1'),
      no: z.string().regex(/^[0-9*#]$/).default('2'),
    })
    .optional()
    .describe('Read the input back and ask the caller to confirm it'),
  sensitive: z.boolean().default(false).describe('PINs, card numbers: the digits are masked in events, logs and the screen pop'),
  next: nodeRef,
  on_failure: nodeRef.describe('Where to go when every try failed'),
});
export type CollectNode = z.output<typeof collectSchema>;

export const collect: NodeKindSpec<CollectNode> = {
  kind: 'collect',
  schema: collectSchema,
  waitsForInput: true,
  summary: 'Collect digits into a variable',
  links: (n) => [
    { target: n.next, label: 'next', path: ['next'] },
    { target: n.on_failure, label: 'on_failure', path: ['on_failure'] },
  ],
  assigns: (n) => [n.variable],
  locals: [{ path: ['confirm'], names: ['value'] }],
  check(node, problem) {
    if (node.min_length > node.max_length) problem(['min_length'], `min_length ${node.min_length} is more than max_length ${node.max_length}`, 'make min_length at most max_length');
    if (node.regex !== undefined) {
      try {
        new RegExp(node.regex);
      } catch (err) {
        problem(['regex'], `the regex is invalid: ${(err as Error).message}`, 'fix the regular expression (it must match the whole input)');
      }
    }
  },
  async run(node, ctx) {
    const entered: string[] = [];
    for (let attempt = 1; attempt <= node.tries; attempt++) {
      const result = await ctx.collect({
        prompt: node.prompt,
        minDigits: node.min_length,
        maxDigits: node.max_length,
        timeoutMs: node.timeout_ms,
        ...(node.inter_digit_timeout_ms !== undefined ? { interDigitTimeoutMs: node.inter_digit_timeout_ms } : {}),
        terminators: node.terminator,
      });
      const digits = result.digits;
      // The regex is checked here, not by the switch, so the path shows what was keyed.
      const valid = result.outcome === 'ok' && digits.length >= node.min_length && (node.regex === undefined || new RegExp(`^(?:${node.regex})$`).test(digits));
      const shown = node.sensitive ? '*'.repeat(digits.length) : digits;
      if (digits) entered.push(shown);
      if (valid) {
        if (!node.confirm || (await confirmed(node.confirm, digits, ctx))) {
          ctx.setVar(node.variable, digits, { sensitive: node.sensitive });
          return { outcome: 'collected', input: shown, next: node.next };
        }
        continue;
      }
      if (attempt < node.tries) {
        const reprompt = result.outcome === 'timeout' && !digits ? node.timeout_prompt : node.invalid_prompt;
        if (reprompt) await ctx.play(reprompt);
      }
    }
    return { outcome: 'failed', input: entered.join(','), next: node.on_failure };
  },
};

async function confirmed(confirm: NonNullable<CollectNode['confirm']>, value: string, ctx: Parameters<NodeKindSpec<CollectNode>['run']>[1]): Promise<boolean> {
  const answer = await ctx.collect({ prompt: confirm.prompt, minDigits: 1, maxDigits: 1, timeoutMs: 5000, extra: { value } });
  return answer.digits === confirm.yes;
}
