/** One history per customer: every interaction whose customer_ref is theirs (phone, e-mail or external id). */
import type { Knex } from 'knex';

export interface CustomerInteraction {
  id: string;
  channel: string;
  direction: string;
  state: string;
  outcome: string | null;
  queueId: string | null;
  agentId: string | null;
  arrivedAt: number;
  answeredAt: number | null;
  endedAt: number | null;
}

const ms = (d: Date | string | null): number | null => (d === null ? null : new Date(d).getTime());

export class CustomerRepository {
  constructor(private readonly db: Knex) {}

  async history(customerRef: string, limit = 100): Promise<CustomerInteraction[]> {
    const rows = await this.db('interactions')
      .where({ customer_ref: customerRef })
      .orderBy('arrived_at', 'desc')
      .limit(limit)
      .select('id', 'channel', 'direction', 'state', 'outcome', 'queue_id', 'agent_id', 'arrived_at', 'answered_at', 'ended_at');
    type Row = { id: string; channel: string; direction: string; state: string; outcome: string | null; queue_id: string | null; agent_id: string | null; arrived_at: Date; answered_at: Date | null; ended_at: Date | null };
    return (rows as Row[]).map((r) => ({
      id: r.id,
      channel: r.channel,
      direction: r.direction,
      state: r.state,
      outcome: r.outcome,
      queueId: r.queue_id,
      agentId: r.agent_id,
      arrivedAt: ms(r.arrived_at)!,
      answeredAt: ms(r.answered_at),
      endedAt: ms(r.ended_at),
    }));
  }
}

/** The reference a customer is known by: E.164 phone, lower-cased e-mail, or `ext:<id>`. */
export function customerRefOf(input: { phone?: string | null; email?: string | null; externalId?: string | null }): string | null {
  if (input.externalId) return `ext:${input.externalId}`;
  if (input.email) return `email:${input.email.trim().toLowerCase()}`;
  if (input.phone) return `tel:${input.phone.replace(/[^\d+]/g, '')}`;
  return null;
}
