import { strict as assert } from 'node:assert';
import { Router } from '../../src/acd/Router.js';
import type { Strategy } from '../../src/acd/AcdTypes.js';
import { agent, queue } from './helpers.js';

/**
 * Three agents who differ on every axis a strategy looks at:
 *   a1: created first, idle since t=3000 (shortest idle), level 4, 2 calls, busy 2000 ms
 *   a2: idle since t=1000 (longest idle), level 9, 3 calls, busy 1000 ms
 *   a3: idle since t=2000, level 6, 1 call, busy 500 ms (least occupied, fewest today)
 * Top-down member order: a3, a1, a2.
 */
function floor(strategy: Strategy): { r: Router; offer: () => string[] } {
  const r = new Router();
  r.upsertQueue(queue({ id: 'q', name: 'Q', strategy, settings: { skills: [{ skillId: 's', minLevel: 1 }], members: ['a3', 'a1', 'a2'] } }));
  r.upsertQueue(queue({ id: 'warm', name: 'Warm-up' }));
  r.upsertAgent(agent({ id: 'a1', name: 'A1', skills: { s: 4 } }), 0);
  r.upsertAgent(agent({ id: 'a2', name: 'A2', skills: { s: 9 } }), 0);
  r.upsertAgent(agent({ id: 'a3', name: 'A3', skills: { s: 6 } }), 0);
  let n = 0;
  const handle = (agentId: string, from: number, to: number): void => {
    for (const other of ['a1', 'a2', 'a3']) if (other !== agentId && r.agent(other).presence === 'ready') r.setNotReady(other, 'hold', from);
    if (r.agent(agentId).presence !== 'ready') r.setReady(agentId, from);
    const id = `w${n++}`;
    r.enqueue({ id, queueId: 'warm', channel: 'voice', priority: 0, vip: false, skills: [], enqueuedAt: from }, from);
    r.accept(id, agentId, from);
    r.complete(id, to);
  };
  for (const a of ['a1', 'a2', 'a3']) r.login(a, 0);
  handle('a2', 0, 200);
  handle('a2', 200, 400);
  handle('a2', 400, 1000);
  handle('a1', 1000, 1100);
  handle('a1', 1100, 3000);
  handle('a3', 1500, 2000);
  for (const a of ['a1', 'a2', 'a3']) if (r.agent(a).presence !== 'ready') r.setReady(a, 3000);
  return {
    r,
    offer: () => {
      const b = r.enqueue({ id: 'x', queueId: 'q', channel: 'voice', priority: 0, vip: false, skills: [], enqueuedAt: 5000 }, 5000);
      return b.offers[0]!.agentIds;
    },
  };
}

describe('routing strategies pick the agent they promise', () => {
  const expected: Array<[Strategy, string[]]> = [
    ['longest-idle', ['a2']],
    ['least-occupied', ['a3']],
    ['fewest-today', ['a3']],
    ['best-skill-match', ['a2']],
    ['top-down', ['a3']],
    ['round-robin', ['a1']],
    ['ring-all', ['a1', 'a2', 'a3']],
  ];
  for (const [strategy, agents] of expected) {
    it(`${strategy} → ${agents.join(', ')}`, () => {
      const { r, offer } = floor(strategy);
      assert.deepEqual([r.agent('a1').handledToday, r.agent('a2').handledToday, r.agent('a3').handledToday], [2, 3, 1]);
      assert.deepEqual(offer().sort(), agents);
    });
  }

  it('round-robin continues after the last agent offered', () => {
    const { r, offer } = floor('round-robin');
    assert.deepEqual(offer(), ['a1']);
    r.enqueue({ id: 'y', queueId: 'q', channel: 'voice', priority: 0, vip: false, skills: [], enqueuedAt: 5001 }, 5001);
    assert.deepEqual([...r.interaction('y')!.offeredTo], ['a2']);
    r.enqueue({ id: 'z', queueId: 'q', channel: 'voice', priority: 0, vip: false, skills: [], enqueuedAt: 5002 }, 5002);
    assert.deepEqual([...r.interaction('z')!.offeredTo], ['a3']);
  });
});
