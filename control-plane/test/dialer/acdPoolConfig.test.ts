import { strict as assert } from 'node:assert';
import { loadAcdPoolConfig } from '../../src/dialer/acdPoolConfig.js';
import { acdTargetOf } from '../../src/dialer/AcdAgentPool.js';
import { ConfigError } from '../../src/envSchema.js';

describe('AcdAgentPool configuration', () => {
  it('defaults: no agent-group queue, outbound answers at priority 100', () => {
    assert.deepEqual(loadAcdPoolConfig({}), { agentGroupQueueId: undefined, priority: 100 });
    assert.deepEqual(loadAcdPoolConfig({ DIALER_AGENT_GROUP_QUEUE: 'outbound', DIALER_OUTBOUND_PRIORITY: '40' }), { agentGroupQueueId: 'outbound', priority: 40 });
  });

  it('names the variable and the problem', () => {
    assert.throws(
      () => loadAcdPoolConfig({ DIALER_AGENT_GROUP_QUEUE: 'no spaces', DIALER_OUTBOUND_PRIORITY: '101' }),
      (e: unknown) =>
        e instanceof ConfigError &&
        e.problems.some((p) => p.startsWith('DIALER_AGENT_GROUP_QUEUE="no spaces" is invalid: expected an ACD queue id')) &&
        e.problems.some((p) => p.startsWith('DIALER_OUTBOUND_PRIORITY="101" is invalid')),
    );
  });

  it('maps a campaign target onto the ACD; an agent group needs the agent-group queue', () => {
    assert.deepEqual(acdTargetOf({ target: { kind: 'queue', queueId: 'sales' } }), { queueId: 'sales' });
    assert.deepEqual(acdTargetOf({ target: { kind: 'agents', agentIds: ['a1'] } }, 'outbound'), { queueId: 'outbound', agentIds: ['a1'] });
    assert.equal(acdTargetOf({ target: { kind: 'agents', agentIds: ['a1'] } }), undefined);
  });
});
