/**
 * Demo data: a few skills, reason codes, queues and agents (idempotent: re-running only
 * updates them). Agents' SIP users are `agent-1` … `agent-N`, the simulator's endpoints.
 */
import type { AcdAdmin } from './AcdAdmin.js';
import { agentSchema, queueSchema } from './AcdTypes.js';

export async function seedAcdDemo(admin: AcdAdmin, agents = 6): Promise<{ queues: string[]; agents: string[] }> {
  for (const [id, name] of [['sales', 'Sales'], ['support', 'Support'], ['billing', 'Billing'], ['spanish', 'Spanish']] as const) await admin.putSkill({ id, name });
  for (const [id, label] of [['break', 'Break'], ['lunch', 'Lunch'], ['training', 'Training']] as const) await admin.putReasonCode({ id, label, productive: id === 'training' });
  const agentIds: string[] = [];
  for (let n = 1; n <= agents; n++) {
    const id = `agent-${n}`;
    agentIds.push(id);
    const a = agentSchema.parse({
      id,
      name: `Agent ${n}`,
      sipUser: id,
      languages: n % 3 === 0 ? ['en', 'es'] : ['en'],
      skills: { sales: 1 + ((n * 3) % 10), support: 1 + ((n * 7) % 10), ...(n % 2 ? { billing: 6 } : {}), ...(n % 3 === 0 ? { spanish: 8 } : {}) },
      capacity: { voice: 1, chat: 2, email: 3 },
      nonVoiceWhileVoice: 0,
    });
    await admin.putAgent(a, admin.acd.router.hasAgent(id) ? 'replace' : 'create');
  }
  const queues = [
    queueSchema.parse({
      id: 'support',
      name: 'Support',
      strategy: 'longest-idle',
      settings: {
        skills: [{ skillId: 'support', minLevel: 3 }],
        wrapUp: { mode: 'auto', seconds: 15, maxExtensionSec: 60 },
        escalation: [{ afterSec: 60, action: { kind: 'relax-level', minLevel: 1 } }, { afterSec: 120, action: { kind: 'offer-callback' } }],
        announcements: { everySec: 45, position: true, ewt: true, skippable: true },
        callback: { enabled: true, digit: '*', autoOnAbandon: false, callerId: '+18005550100' },
        maxWaitSec: 900,
        maxWaitAction: { kind: 'voicemail', target: '*98' },
      },
    }),
    queueSchema.parse({ id: 'billing', name: 'Billing', strategy: 'best-skill-match', settings: { skills: [{ skillId: 'billing', minLevel: 1 }], wrapUp: { mode: 'auto', seconds: 10, maxExtensionSec: 0 } } }),
    queueSchema.parse({
      id: 'sales',
      name: 'Sales',
      strategy: 'ring-all',
      settings: { skills: [{ skillId: 'sales', minLevel: 1 }], escalation: [{ afterSec: 90, action: { kind: 'overflow', queueId: 'support' } }], ageing: { everySec: 30, step: 5, max: 50 } },
    }),
  ];
  for (const q of queues) await admin.putQueue(q, admin.acd.router.hasQueue(q.id) ? 'replace' : 'create');
  for (const id of agentIds) if (admin.acd.router.agent(id).presence === 'logged-out') admin.acd.login(id);
  return { queues: queues.map((q) => q.id), agents: agentIds };
}
