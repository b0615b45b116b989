/** Environment variables of the production dialer pool (AcdAgentPool), parsed with the project's parseEnv. */
import { z } from 'zod';
import { envInt, parseEnv } from '../envSchema.js';

const shape = {
  /** ACD queue that agent-group campaigns (`target.kind = "agents"`) create their interactions in. */
  DIALER_AGENT_GROUP_QUEUE: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]*$/, { message: 'expected an ACD queue id (letters, digits, _ . : -)' })
    .optional(),
  /** Priority (0–100) of live outbound answers in the ACD queue; 100 puts them ahead of waiting inbound calls. */
  DIALER_OUTBOUND_PRIORITY: envInt(0, 100).default(100),
};

export interface AcdPoolConfig {
  agentGroupQueueId: string | undefined;
  priority: number;
}

export function loadAcdPoolConfig(env: Record<string, string | undefined> = process.env): AcdPoolConfig {
  const raw = parseEnv(shape, env);
  return { agentGroupQueueId: raw.DIALER_AGENT_GROUP_QUEUE, priority: raw.DIALER_OUTBOUND_PRIORITY };
}
