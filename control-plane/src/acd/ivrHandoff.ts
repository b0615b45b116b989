/**
 * The ACD behind the IVR's `queue` and `callback` nodes (ivr/types.ts QueueHandoff and
 * CallbackHandoff), and the figures its expressions read (`queueWaiting`, `queueEwt`).
 */
import type { CallLeg } from '../engine/port.js';
import type { CallbackHandoff, CallbackRequest, QueueHandoff, QueueRequest, QueueResult } from '../ivr/types.js';
import type { Acd } from './Acd.js';
import { estimatedWaitMs } from './metrics.js';
import type { VoiceQueue } from './VoiceQueue.js';

const stringVars = (v: Record<string, unknown>): Record<string, string> =>
  Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined && x !== null).map(([k, x]) => [k, typeof x === 'string' ? x : JSON.stringify(x)]));

export class AcdIvrHandoff implements QueueHandoff, CallbackHandoff {
  constructor(
    private readonly acd: Acd,
    private readonly voice: VoiceQueue,
  ) {}

  async enqueue(leg: CallLeg, request: QueueRequest): Promise<QueueResult> {
    if (!this.acd.router.hasQueue(request.queue)) return { outcome: 'failed', reason: `queue ${request.queue} does not exist` };
    const o = await this.voice.enqueueVoice(leg, {
      queueId: request.queue,
      skills: request.skills.map((skillId) => ({ skillId, minLevel: 1 })),
      priority: Math.max(0, Math.min(100, Math.round(request.priority))),
      vip: request.vip,
      interactionId: request.interactionId,
      ...(request.returnAfterAgent ? { returnAfterAgent: true } : {}),
      variables: { ...stringVars(request.variables), interaction_id: request.interactionId, flow_id: request.flow.id, flow_version: String(request.flow.version) },
    });
    if (o.outcome === 'full') return { outcome: 'failed', reason: 'queue full' };
    if (o.outcome === 'empty') return { outcome: 'failed', reason: 'no agent logged in' };
    if (o.outcome !== 'answered') return { outcome: 'ended' };
    // The agent left first and the caller is still on the line: back to the flow (survey).
    return request.returnAfterAgent && (leg.state as string) !== 'ended' ? { outcome: 'returned', agentId: o.agentId } : { outcome: 'ended', agentId: o.agentId };
  }

  stats(queue: string): { waiting: number; ewtSeconds: number } {
    if (!this.acd.router.hasQueue(queue)) return { waiting: 0, ewtSeconds: 0 };
    const rt = this.acd.queueRealtime(queue);
    const aht = rt.window.ahtMs ?? rt.today.ahtMs;
    const ewt = estimatedWaitMs(rt.waiting + 1, aht, rt.staffed);
    return { waiting: rt.waiting, ewtSeconds: ewt === null ? 0 : Math.round(ewt / 1000) };
  }

  async requestCallback(request: CallbackRequest): Promise<{ id: string }> {
    const { interactionId } = this.voice.queueCallback({
      queueId: request.queue,
      number: request.number,
      variables: { ...stringVars(request.variables), callback_for: request.interactionId },
      enqueuedAt: request.requestedAt,
    });
    return { id: interactionId };
  }
}
