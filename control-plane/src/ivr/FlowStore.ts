/**
 * Flow versions in PostgreSQL. A version, once written, never changes; deploying writes
 * the next version and makes it active in one transaction, together with the DID routes
 * the flow declares. Deploying the same source again changes nothing.
 */
import { createHash } from 'node:crypto';
import type { Db } from '../store/db.js';
import type { FlowDefinition } from './schema.js';
import type { SurveyAnswer, SurveySink } from './types.js';

export interface StoredFlowVersion {
  flowId: string;
  version: number;
  source: string;
  definition: FlowDefinition;
  checksum: string;
  file: string | null;
  deployedBy: string | null;
  deployedAt: Date;
}

export interface DeployOutcome {
  flowId: string;
  version: number;
  /** True when the same source was already the active version (nothing written). */
  unchanged: boolean;
}

interface VersionRow {
  flow_id: string;
  version: number;
  source: string;
  definition: FlowDefinition;
  checksum: string;
  file: string | null;
  deployed_by: string | null;
  deployed_at: Date;
}

export function checksumOf(source: string): string {
  return createHash('sha256').update(source).digest('hex');
}

function toVersion(r: VersionRow): StoredFlowVersion {
  return {
    flowId: r.flow_id,
    version: r.version,
    source: r.source,
    definition: r.definition,
    checksum: r.checksum,
    file: r.file,
    deployedBy: r.deployed_by,
    deployedAt: r.deployed_at,
  };
}

export class FlowStore {
  constructor(private readonly db: Db) {}

  /** Stores a validated flow as its next version and activates it. */
  async deploy(flow: FlowDefinition, source: string, meta: { file?: string; by?: string } = {}): Promise<DeployOutcome> {
    const checksum = checksumOf(source);
    return this.db.transaction(async (trx) => {
      // Serialise deploys of one flow: the row lock makes "max(version) + 1" safe.
      await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`ivr_flow:${flow.id}`]);
      const current = (await trx('ivr_flows').where({ id: flow.id }).first()) as { active_version: number } | undefined;
      if (current) {
        const active = (await trx('ivr_flow_versions').where({ flow_id: flow.id, version: current.active_version }).first('checksum')) as { checksum: string } | undefined;
        if (active?.checksum === checksum) {
          await this.#routeDids(trx, flow);
          return { flowId: flow.id, version: current.active_version, unchanged: true };
        }
      }
      const max = (await trx('ivr_flow_versions').where({ flow_id: flow.id }).max('version as v').first()) as { v: number | null } | undefined;
      const version = (max?.v ?? 0) + 1;
      await trx('ivr_flow_versions').insert({
        flow_id: flow.id,
        version,
        source,
        definition: JSON.stringify(flow),
        checksum,
        file: meta.file ?? null,
        deployed_by: meta.by ?? null,
      });
      await trx('ivr_flows')
        .insert({ id: flow.id, active_version: version, updated_at: trx.fn.now() })
        .onConflict('id')
        .merge(['active_version', 'updated_at']);
      await this.#routeDids(trx, flow);
      return { flowId: flow.id, version, unchanged: false };
    });
  }

  async #routeDids(trx: Db, flow: FlowDefinition): Promise<void> {
    for (const did of flow.dids) {
      await trx('ivr_did_routes').insert({ did, flow_id: flow.id, updated_at: trx.fn.now() }).onConflict('did').merge(['flow_id', 'updated_at']);
    }
  }

  /** Makes an older (or newer) stored version active again: a rollback. */
  async activate(flowId: string, version: number): Promise<boolean> {
    const exists = await this.db('ivr_flow_versions').where({ flow_id: flowId, version }).first('version');
    if (!exists) return false;
    await this.db('ivr_flows').where({ id: flowId }).update({ active_version: version, updated_at: this.db.fn.now() });
    return true;
  }

  async activeVersions(): Promise<StoredFlowVersion[]> {
    const rows = (await this.db('ivr_flow_versions as v')
      .join('ivr_flows as f', function () {
        this.on('f.id', '=', 'v.flow_id').andOn('f.active_version', '=', 'v.version');
      })
      .select('v.*')
      .orderBy('v.flow_id')) as VersionRow[];
    return rows.map(toVersion);
  }

  async versions(flowId: string): Promise<Array<Omit<StoredFlowVersion, 'source' | 'definition'> & { active: boolean }>> {
    const flow = (await this.db('ivr_flows').where({ id: flowId }).first()) as { active_version: number } | undefined;
    const rows = (await this.db('ivr_flow_versions')
      .where({ flow_id: flowId })
      .orderBy('version', 'desc')
      .select('flow_id', 'version', 'checksum', 'file', 'deployed_by', 'deployed_at')) as VersionRow[];
    return rows.map((r) => {
      const { source: _s, definition: _d, ...rest } = toVersion({ ...r, source: '', definition: {} as FlowDefinition });
      return { ...rest, active: flow?.active_version === r.version };
    });
  }

  async version(flowId: string, version: number): Promise<StoredFlowVersion | undefined> {
    const row = (await this.db('ivr_flow_versions').where({ flow_id: flowId, version }).first()) as VersionRow | undefined;
    return row ? toVersion(row) : undefined;
  }

  async didRoutes(): Promise<Array<{ did: string; flowId: string }>> {
    const rows = (await this.db('ivr_did_routes').select('did', 'flow_id').orderBy('did')) as Array<{ did: string; flow_id: string }>;
    return rows.map((r) => ({ did: r.did, flowId: r.flow_id }));
  }

  async setDidRoute(did: string, flowId: string): Promise<void> {
    await this.db('ivr_did_routes').insert({ did, flow_id: flowId, updated_at: this.db.fn.now() }).onConflict('did').merge(['flow_id', 'updated_at']);
  }

  async removeDidRoute(did: string): Promise<boolean> {
    return (await this.db('ivr_did_routes').where({ did }).delete()) > 0;
  }

  /** Queue ids from the ACD's table, for validating `queue` nodes. */
  async queueIds(): Promise<string[]> {
    const rows = (await this.db('queues').select('id')) as Array<{ id: string }>;
    return rows.map((r) => r.id);
  }
}

/** CSAT answers per interaction and agent. */
export class DbSurveySink implements SurveySink {
  constructor(private readonly db: Db) {}
  async record(a: SurveyAnswer): Promise<void> {
    await this.db('ivr_survey_answers').insert({
      interaction_id: a.interactionId,
      agent_id: a.agentId,
      flow_id: a.flowId,
      flow_version: a.flowVersion,
      question: a.question,
      score: a.score,
      at: new Date(a.at),
    });
  }
}
