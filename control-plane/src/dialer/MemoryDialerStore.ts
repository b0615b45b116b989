/**
 * In-memory DialerStore for the simulator (benchmarks, tests): same rules as PgDialerStore,
 * no I/O, so virtual time never waits on a database. Due leads sit in a min-heap by next
 * attempt time; a lead outside its calling window is pushed back to its next opening, so
 * each claim costs O(log n).
 */
import type { Campaign } from './campaign.js';
import { isWithinCallingWindow, nextCallableAt } from './callingWindow.js';
import type { AttemptEnd, AttemptRecord, AttemptStart, DialerStore, DispositionUpdate, LeadToDial } from './DialerStore.js';
import type { RetryPlan } from './retry.js';
import { MinHeap } from '../heap.js';

interface MemLead extends LeadToDial {
  status: 'pending' | 'dialling' | 'done';
  nextAttemptAt: number;
  priority: number;
  doneReason: string | null;
  lastOutcome: string | null;
  /** Bumped on every reschedule; heap entries with an old version are stale. */
  version: number;
}

interface HeapEntry {
  at: number;
  priority: number;
  seq: number;
  lead: MemLead;
  version: number;
}

function less(a: HeapEntry, b: HeapEntry): boolean {
  if (a.at !== b.at) return a.at < b.at;
  if (a.priority !== b.priority) return a.priority > b.priority;
  return a.seq < b.seq;
}

export interface MemoryLeadInput {
  phone: string;
  timeZone: string;
  priority?: number;
  externalId?: string;
  data?: Record<string, string>;
  nextAttemptAt?: number;
}

export class MemoryDialerStore implements DialerStore {
  #leads = new Map<string, MemLead>();
  #heaps = new Map<string, MinHeap<HeapEntry>>();
  #callbacks = new Map<string, Set<MemLead>>();
  #dnc = new Map<string, Set<string>>(); // phone → campaign ids ('' = global)
  #attempts = new Map<string, AttemptRecord>();
  #seq = 0;
  /** Leads not done, per campaign (kept as a count: the live view asks every few seconds). */
  #open = new Map<string, number>();

  /** Adds leads to a campaign (the simulator's stand-in for a CSV import). */
  addLeads(campaignId: string, leads: MemoryLeadInput[], now: number): string[] {
    const ids: string[] = [];
    for (const input of leads) {
      const id = String(++this.#seq);
      const lead: MemLead = {
        id,
        campaignId,
        phone: input.phone,
        timeZone: input.timeZone,
        attempts: 0,
        callbackAgentId: null,
        externalId: input.externalId ?? null,
        data: input.data ?? {},
        status: 'pending',
        nextAttemptAt: input.nextAttemptAt ?? now,
        priority: input.priority ?? 0,
        doneReason: null,
        lastOutcome: null,
        version: 0,
      };
      this.#leads.set(id, lead);
      this.#open.set(campaignId, (this.#open.get(campaignId) ?? 0) + 1);
      this.#schedule(lead);
      ids.push(id);
    }
    return ids;
  }

  lead(id: string): Readonly<MemLead> | undefined {
    return this.#leads.get(id);
  }

  attempts(): AttemptRecord[] {
    return [...this.#attempts.values()];
  }

  async claimDueLeads(campaign: Campaign, now: number, limit: number, callbacksFor?: ReadonlySet<string>): Promise<LeadToDial[]> {
    const out: LeadToDial[] = [];
    if (limit <= 0) return out;
    const window = campaign.config.callingWindow;
    if (callbacksFor) {
      for (const lead of this.#callbacks.get(campaign.id) ?? []) {
        if (out.length >= limit) break;
        if (lead.nextAttemptAt > now || !callbacksFor.has(lead.callbackAgentId ?? '')) continue;
        if (!isWithinCallingWindow(window, lead.timeZone, now)) continue;
        this.#callbacks.get(campaign.id)?.delete(lead);
        lead.status = 'dialling';
        out.push(lead);
      }
      return out;
    }
    const heap = this.#heaps.get(campaign.id);
    if (!heap) return out;
    while (out.length < limit) {
      const top = heap.peek();
      if (!top || top.at > now) break;
      heap.pop();
      const lead = top.lead;
      if (top.version !== lead.version || lead.status !== 'pending') continue;
      if (!isWithinCallingWindow(window, lead.timeZone, now)) {
        lead.nextAttemptAt = nextCallableAt(window, lead.timeZone, now);
        this.#schedule(lead);
        continue;
      }
      lead.status = 'dialling';
      lead.version++;
      out.push(lead);
    }
    return out;
  }

  async releaseLead(leadId: string): Promise<void> {
    const lead = this.#leads.get(leadId);
    if (!lead || lead.status !== 'dialling') return;
    lead.status = 'pending';
    this.#schedule(lead);
  }

  async isOnDnc(campaignId: string, phone: string): Promise<boolean> {
    const lists = this.#dnc.get(phone);
    return lists !== undefined && (lists.has('') || lists.has(campaignId));
  }

  async addDnc(campaignId: string | null, phones: string[], _source: string): Promise<number> {
    let added = 0;
    for (const phone of phones) {
      let lists = this.#dnc.get(phone);
      if (!lists) this.#dnc.set(phone, (lists = new Set()));
      if (!lists.has(campaignId ?? '')) added++;
      lists.add(campaignId ?? '');
    }
    return added;
  }

  async startAttempt(a: AttemptStart): Promise<void> {
    const lead = this.#leads.get(a.leadId);
    this.#attempts.set(a.id, {
      ...a,
      answeredAt: null,
      connectedAt: null,
      endedAt: null,
      outcome: null,
      amdResult: null,
      agentId: null,
      recordingRef: null,
      disposition: null,
      dispositionAt: null,
      callbackAt: null,
      timeZone: lead?.timeZone ?? 'UTC',
      leadAttempts: a.attemptNo,
    });
    if (lead) lead.attempts = a.attemptNo;
  }

  async finishAttempt(end: AttemptEnd): Promise<void> {
    const attempt = this.#attempts.get(end.id);
    if (attempt) {
      Object.assign(attempt, {
        outcome: end.outcome,
        endedAt: end.endedAt,
        answeredAt: end.answeredAt ?? null,
        connectedAt: end.connectedAt ?? null,
        amdResult: end.amdResult ?? null,
        agentId: end.agentId ?? null,
        recordingRef: end.recordingRef ?? null,
      });
    }
    const lead = this.#leads.get(end.leadId);
    if (lead) {
      lead.lastOutcome = end.outcome;
      this.#applyPlan(lead, end.plan);
    }
  }

  async getAttempt(id: string): Promise<AttemptRecord | undefined> {
    const a = this.#attempts.get(id);
    return a ? { ...a } : undefined;
  }

  async setDisposition(u: DispositionUpdate): Promise<void> {
    const attempt = this.#attempts.get(u.attemptId);
    if (!attempt) return;
    attempt.disposition = u.code;
    attempt.dispositionAt = u.at;
    attempt.callbackAt = u.callbackAt ?? null;
    const lead = this.#leads.get(attempt.leadId);
    if (lead) this.#applyPlan(lead, u.plan);
    if (u.addToDnc) await this.addDnc(attempt.campaignId, [attempt.phone], 'disposition');
  }

  async leadsRemaining(campaignId: string): Promise<number> {
    return this.#open.get(campaignId) ?? 0;
  }

  #applyPlan(lead: MemLead, plan: RetryPlan): void {
    this.#callbacks.get(lead.campaignId)?.delete(lead);
    lead.version++;
    if (plan.kind === 'done') {
      if (lead.status !== 'done') this.#open.set(lead.campaignId, (this.#open.get(lead.campaignId) ?? 1) - 1);
      lead.status = 'done';
      lead.doneReason = plan.reason;
      lead.callbackAgentId = null;
      return;
    }
    if (lead.status === 'done') this.#open.set(lead.campaignId, (this.#open.get(lead.campaignId) ?? 0) + 1);
    lead.status = 'pending';
    lead.nextAttemptAt = plan.at;
    if (plan.kind === 'callback' && plan.agentId) {
      lead.callbackAgentId = plan.agentId;
      let set = this.#callbacks.get(lead.campaignId);
      if (!set) this.#callbacks.set(lead.campaignId, (set = new Set()));
      set.add(lead);
      return;
    }
    lead.callbackAgentId = null;
    this.#schedule(lead);
  }

  #schedule(lead: MemLead): void {
    let heap = this.#heaps.get(lead.campaignId);
    if (!heap) this.#heaps.set(lead.campaignId, (heap = new MinHeap<HeapEntry>(less)));
    heap.push({ at: lead.nextAttemptAt, priority: lead.priority, seq: ++this.#seq, lead, version: lead.version });
  }
}
