/**
 * `queue` — hand the caller to the ACD with skills, priority and the VIP flag. The flow's
 * variables travel with the interaction (the agent's screen pop). When the ACD hands the
 * caller back after the agent leaves (`returned`), the flow continues at `after_agent`
 * (e.g. a CSAT survey); when the queue refuses the call, at `on_failure`.
 */
import { z } from 'zod';
import type { NodeKindSpec, TerminalOutcome } from '../types.js';
import { base, nodeRef, prompts } from './common.js';

export const queueSchema = z.strictObject({
  kind: z.literal('queue'),
  ...base,
  queue: z.string().min(1).describe('Queue id (must exist)'),
  skills: z.union([z.array(z.string().min(1)), z.string()]).default([]).describe('Skills needed (list of templates, or one "${expr}" giving a list)'),
  priority: z.union([z.number().int().min(0).max(100), z.string()]).default(0).describe('0–100, higher first; or "${expr}"'),
  vip: z.union([z.boolean(), z.string()]).default(false).describe('true/false or "${expr}"'),
  announce: prompts.optional().describe('Played before the hand-over'),
  after_agent: nodeRef.optional().describe('Where the caller goes when the agent hangs up first (e.g. a survey)'),
  on_failure: nodeRef.optional().describe('Where to go when the queue refuses the call (default: hang up)'),
});
export type QueueNode = z.output<typeof queueSchema>;

export const queue: NodeKindSpec<QueueNode> = {
  kind: 'queue',
  schema: queueSchema,
  waitsForInput: true, // the caller waits in the queue; a loop through it is not a busy loop
  summary: 'Hand over to an ACD queue',
  links: (n) => [
    ...(n.after_agent ? [{ target: n.after_agent, label: 'after_agent', path: ['after_agent'] }] : []),
    ...(n.on_failure ? [{ target: n.on_failure, label: 'on_failure', path: ['on_failure'] }] : []),
  ],
  queues: (n) => (n.queue.includes('${') ? [] : [{ queue: n.queue, path: ['queue'] }]),
  async run(node, ctx) {
    if (node.announce) await ctx.play(node.announce);
    const queueId = await ctx.renderString(node.queue);
    const skills = await renderSkills(node.skills, ctx.render.bind(ctx));
    const priority = clamp(Number(typeof node.priority === 'string' ? await ctx.render(node.priority) : node.priority));
    const vip = toBool(typeof node.vip === 'string' ? await ctx.render(node.vip) : node.vip);
    ctx.emit('queued', { skills, priority, vip, flowId: ctx.flow.id }, queueId);
    const result = await ctx.services.queue.enqueue(ctx.leg, {
      interactionId: ctx.interactionId,
      queue: queueId,
      skills,
      priority,
      vip,
      variables: ctx.publicVariables(),
      flow: { id: ctx.flow.id, version: ctx.flowVersion },
      signal: ctx.signal,
      ...(node.after_agent ? { returnAfterAgent: true } : {}),
    });
    const summary = `queue ${queueId} skills [${skills.join(', ')}] priority ${priority}${vip ? ' vip' : ''}`;
    if (result.outcome === 'returned') {
      if (result.agentId) ctx.setVar('agent_id', result.agentId);
      if (node.after_agent) return { outcome: `${summary}: returned`, next: node.after_agent };
    }
    if (result.outcome === 'failed' && node.on_failure) return { outcome: `${summary}: failed (${result.reason})`, next: node.on_failure };
    const end: TerminalOutcome = { kind: 'queued', queue: queueId, skills, priority, vip, result: result.outcome };
    return { outcome: `${summary}: ${result.outcome}`, end };
  },
};

async function renderSkills(spec: string | string[], render: (t: string) => Promise<unknown>): Promise<string[]> {
  if (typeof spec === 'string') {
    const v = await render(spec);
    return (Array.isArray(v) ? v : String(v).split(',')).map((s) => String(s).trim()).filter(Boolean);
  }
  const out: string[] = [];
  for (const s of spec) {
    const v = await render(s);
    if (Array.isArray(v)) out.push(...v.map(String));
    else if (v !== '' && v !== undefined && v !== null) out.push(String(v));
  }
  return [...new Set(out)];
}

function clamp(n: number): number {
  return Number.isFinite(n) ? Math.max(0, Math.min(100, Math.round(n))) : 0;
}

function toBool(v: unknown): boolean {
  return v === true || v === 'true' || v === 1 || v === '1' || v === 'yes';
}
