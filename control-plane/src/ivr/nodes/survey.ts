/**
 * `survey` — post-call CSAT: each question is answered 1–5 by key; answers are stored per
 * interaction and agent (`agent_id` is set when the ACD hands the caller back).
 */
import { z } from 'zod';
import type { NodeKindSpec } from '../types.js';
import { base, durationMs, nodeRef, prompts } from './common.js';

export const surveySchema = z.strictObject({
  kind: z.literal('survey'),
  ...base,
  questions: z
    .array(
      z.strictObject({
        id: z.string().regex(/^[A-Za-z0-9_-]+$/, { message: 'a question id is letters, digits, _ and -' }),
        prompt: prompts,
      }),
    )
    .min(1),
  invalid_prompt: prompts.default('Please press a key from 1 to 5.'),
  timeout_ms: durationMs(60_000, 'Wait for a key').default(6000),
  tries: z.number().int().min(1).max(5).default(2),
  thanks: prompts.optional(),
  next: nodeRef.optional().describe('Continue here afterwards (default: thank and hang up)'),
});
export type SurveyNode = z.output<typeof surveySchema>;

export const survey: NodeKindSpec<SurveyNode> = {
  kind: 'survey',
  schema: surveySchema,
  waitsForInput: true,
  summary: 'Post-call CSAT survey (1–5)',
  links: (n) => (n.next ? [{ target: n.next, label: 'next', path: ['next'] }] : []),
  assigns: (n) => n.questions.map((q) => `survey_${q.id.replace(/-/g, '_')}`),
  check(node, problem) {
    const seen = new Set<string>();
    for (const [i, q] of node.questions.entries()) {
      if (seen.has(q.id)) problem(['questions', i, 'id'], `question id "${q.id}" is used twice`, 'give each question its own id');
      seen.add(q.id);
    }
  },
  async run(node, ctx) {
    const answers: string[] = [];
    const agentId = typeof ctx.variables.agent_id === 'string' ? ctx.variables.agent_id : null;
    for (const q of node.questions) {
      let score: number | undefined;
      for (let attempt = 1; attempt <= node.tries && score === undefined; attempt++) {
        const r = await ctx.collect({ prompt: q.prompt, minDigits: 1, maxDigits: 1, timeoutMs: node.timeout_ms, validRegex: '[1-5]' });
        if (/^[1-5]$/.test(r.digits)) score = Number(r.digits);
        else if (attempt < node.tries) await ctx.play(node.invalid_prompt);
      }
      if (score === undefined) {
        answers.push(`${q.id}=-`);
        continue;
      }
      answers.push(`${q.id}=${score}`);
      ctx.setVar(`survey_${q.id.replace(/-/g, '_')}`, score);
      await ctx.services.survey.record({
        interactionId: ctx.interactionId,
        agentId,
        flowId: ctx.flow.id,
        flowVersion: ctx.flowVersion,
        question: q.id,
        score,
        at: ctx.clock.now(),
      });
      ctx.emit('survey.answer', { question: q.id, score, agentId });
    }
    if (node.next) return { outcome: 'survey done', input: answers.join(','), next: node.next };
    if (node.thanks) await ctx.play(node.thanks);
    await ctx.leg.hangup('NORMAL_CLEARING');
    return { outcome: 'survey done', input: answers.join(','), end: { kind: 'completed' } };
  },
};
