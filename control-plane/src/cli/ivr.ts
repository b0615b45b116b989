/**
 * `switchboard ivr …` commands.
 *
 * Known queues for validation, first that applies: `--queues a,b`; `--no-queue-check`;
 * the `queues` table when DATABASE_URL is set; `queues.yaml` next to the flows
 * (`queues: [billing, …]`); otherwise queue names are not checked (a note says so).
 * Prompt files are looked up in `--prompts-dir`, else $IVR_PROMPTS_DIR, else
 * `<flows dir>/prompts`.
 */
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { loadConfig } from '../config.js';
import { migrateLatest, openDatabase, type Db } from '../store/db.js';
import { formatProblem, loadFlow } from '../ivr/loader.js';
import { flowToDot } from '../ivr/graph.js';
import { flowJsonSchema } from '../ivr/schema.js';
import { formatCaseResult, runFlowTestFile } from '../ivr/testRunner.js';
import { FlowStore } from '../ivr/FlowStore.js';
import { FlowRegistry } from '../ivr/FlowRegistry.js';
import { FlowValidationError } from '../ivr/loader.js';
import { isFlowFile } from '../ivr/FlowWatcher.js';
import { flowSummary, type ValidateOptions } from '../ivr/validator.js';
import type { CliIo, CommandRun } from './registry.js';

const DEFAULT_DIR = 'ivr-flows';

function expand(args: string[], io: CliIo, pick: (name: string) => boolean): string[] {
  const inputs = args.length > 0 ? args : [DEFAULT_DIR];
  const out: string[] = [];
  for (const a of inputs) {
    const p = isAbsolute(a) ? a : resolve(io.cwd, a);
    if (!existsSync(p)) throw new Error(`${a}: no such file or directory`);
    if (statSync(p).isDirectory()) out.push(...readdirSync(p).filter(pick).sort().map((f) => join(p, f)));
    else out.push(p);
  }
  return out;
}

function show(file: string, io: CliIo): string {
  const r = relative(io.cwd, file);
  return r.startsWith('..') ? file : r;
}

/** Opens the database; `migrate` applies pending migrations first (deploy/list on a fresh database). */
async function withDb<T>(io: CliIo, fn: (db: Db) => Promise<T>, migrate = true): Promise<T> {
  const config = loadConfig(io.env);
  const db = await openDatabase(config.database);
  try {
    if (migrate) await migrateLatest(db);
    return await fn(db);
  } finally {
    await db.destroy();
  }
}

const commonOptions = {
  queues: { type: 'string' },
  'no-queue-check': { type: 'boolean' },
  'prompts-dir': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

async function validateOptions(values: { queues?: string; 'no-queue-check'?: boolean; 'prompts-dir'?: string }, flowsDir: string, io: CliIo): Promise<ValidateOptions> {
  const options: ValidateOptions = {};
  if (values.queues !== undefined) options.knownQueues = new Set(values.queues.split(',').map((q) => q.trim()).filter(Boolean));
  else if (!values['no-queue-check']) {
    const dbUrl = io.env.DATABASE_URL;
    const queuesFile = join(flowsDir, 'queues.yaml');
    if (dbUrl) {
      options.knownQueues = new Set(await withDb(io, (db) => new FlowStore(db).queueIds(), false));
    } else if (existsSync(queuesFile)) {
      const parsed = parseYaml(readFileSync(queuesFile, 'utf8')) as { queues?: unknown } | null;
      if (!parsed || !Array.isArray(parsed.queues) || !parsed.queues.every((q) => typeof q === 'string')) {
        throw new Error(`${show(queuesFile, io)}: expected "queues:" followed by a list of queue ids`);
      }
      options.knownQueues = new Set(parsed.queues as string[]);
    } else io.err('note: queue names are not checked (no --queues, DATABASE_URL or queues.yaml)');
  }
  const promptsDir = values['prompts-dir'] ?? io.env.IVR_PROMPTS_DIR ?? join(flowsDir, 'prompts');
  const base = isAbsolute(promptsDir) ? promptsDir : resolve(io.cwd, promptsDir);
  options.promptExists = (p) => existsSync(isAbsolute(p) ? p : join(base, p));
  options.promptsDescription = show(base, io) || '.';
  return options;
}

/** Loads several flows, checking subflow/goto references among them. */
function validateFiles(files: string[], options: ValidateOptions): { problems: string[]; flows: Map<string, string> } {
  const sources = files.map((file) => ({ file, source: readFileSync(file, 'utf8') }));
  const knownFlows = new Map<string, Set<string>>();
  const knownFlowVariables = new Map<string, Set<string>>();
  for (const s of sources) {
    const r = loadFlow(s.source, s.file, { ...options, promptExists: () => true });
    if (!r.ok) continue;
    const summary = flowSummary(r.flow);
    knownFlows.set(r.flow.id, summary.nodes);
    knownFlowVariables.set(r.flow.id, summary.variables);
  }
  const problems: string[] = [];
  const flows = new Map<string, string>();
  const didOwners = new Map<string, string>();
  for (const s of sources) {
    const r = loadFlow(s.source, s.file, { ...options, knownFlows: new Map([...(options.knownFlows ?? []), ...knownFlows]), knownFlowVariables });
    if (r.ok) {
      if (flows.has(r.flow.id)) problems.push(`${s.file}:1:1: flow id "${r.flow.id}" is also used by ${flows.get(r.flow.id)}\n    fix: give each flow its own id`);
      flows.set(r.flow.id, s.file);
      for (const did of r.flow.dids) {
        const other = didOwners.get(did);
        if (other) problems.push(`${s.file}:1:1: DID ${did} is also routed by ${other}\n    fix: route each number to one flow (remove it from one of the dids lists)`);
        else didOwners.set(did, s.file);
      }
    } else problems.push(...r.problems.map(formatProblem));
  }
  return { problems, flows };
}

export const validate: CommandRun = async (args, io) => {
  const { values, positionals } = parseArgs({ args, options: commonOptions, allowPositionals: true });
  if (values.help) {
    io.out('usage: switchboard ivr validate [files or dirs…] [--queues a,b | --no-queue-check] [--prompts-dir dir]\n(default: ivr-flows/)');
    return 0;
  }
  const files = expand(positionals, io, isFlowFile);
  if (files.length === 0) {
    io.err('no flow files found');
    return 1;
  }
  const options = await validateOptions(values, dirname(files[0] as string), io);
  const { problems } = validateFiles(files, options);
  const rel = (p: string) => p.replace(/^(\/[^:]+)(?=:\d+:\d+:)/gm, (m) => show(m, io));
  if (problems.length > 0) {
    io.err(problems.map(rel).join('\n'));
    io.err(`\n${problems.length} problem(s) in ${files.length} file(s)`);
    return 1;
  }
  io.out(`${files.length} flow file(s) OK`);
  return 0;
};

export const test: CommandRun = async (args, io) => {
  const { values, positionals } = parseArgs({ args, options: commonOptions, allowPositionals: true });
  if (values.help) {
    io.out('usage: switchboard ivr test [*.test.yaml files or dirs…] [--prompts-dir dir]\n(default: ivr-flows/*.test.yaml)');
    return 0;
  }
  const files = expand(positionals, io, (n) => /\.test\.ya?ml$/.test(n));
  if (files.length === 0) {
    io.err('no *.test.yaml files found');
    return 1;
  }
  const options = await validateOptions({ ...values, 'no-queue-check': true }, dirname(files[0] as string), io);
  let passed = 0;
  let failed = 0;
  for (const file of files) {
    io.out(show(file, io));
    for (const r of await runFlowTestFile(file, options)) {
      io.out(formatCaseResult(r));
      if (r.passed) passed++;
      else failed++;
    }
  }
  io.out(`\n${passed} passing, ${failed} failing`);
  return failed > 0 ? 1 : 0;
};

export const graph: CommandRun = async (args, io) => {
  const { values, positionals } = parseArgs({ args, options: { help: { type: 'boolean', short: 'h' }, out: { type: 'string', short: 'o' } }, allowPositionals: true });
  if (values.help || positionals.length !== 1) {
    io.out('usage: switchboard ivr graph flow.yaml [-o flow.dot]   (then: dot -Tsvg flow.dot > flow.svg)');
    return values.help ? 0 : 2;
  }
  const file = resolve(io.cwd, positionals[0] as string);
  const r = loadFlow(readFileSync(file, 'utf8'), file, {});
  if (!r.ok) {
    io.err(r.problems.map(formatProblem).join('\n'));
    return 1;
  }
  const dot = flowToDot(r.flow);
  if (values.out) writeFileSync(resolve(io.cwd, values.out), dot);
  else io.out(dot.trimEnd());
  return 0;
};

export const schema: CommandRun = async (args, io) => {
  const { values } = parseArgs({ args, options: { out: { type: 'string', short: 'o' } } });
  const text = `${JSON.stringify(flowJsonSchema(), null, 2)}\n`;
  const out = resolve(io.cwd, values.out ?? join(DEFAULT_DIR, 'flow.schema.json'));
  writeFileSync(out, text);
  io.out(`wrote ${show(out, io)}`);
  return 0;
};

export const deploy: CommandRun = async (args, io) => {
  const { values, positionals } = parseArgs({ args, options: { ...commonOptions, by: { type: 'string' } }, allowPositionals: true });
  if (values.help) {
    io.out('usage: switchboard ivr deploy [files or dirs…] [--by name] [--queues a,b | --no-queue-check]\nUses DATABASE_URL (or the embedded database in DATA_DIR). New calls take the new versions; calls in progress keep theirs.');
    return 0;
  }
  const files = expand(positionals, io, isFlowFile);
  const options = await validateOptions(values, dirname(files[0] ?? DEFAULT_DIR), io);
  const by = values.by ?? io.env.USER ?? 'cli';
  return withDb(io, async (db) => {
    const store = new FlowStore(db);
    const registry = new FlowRegistry({
      store,
      // Flag, DATABASE_URL or queues.yaml as for validate; none of them: not checked.
      knownQueues: () => options.knownQueues,
      ...(options.promptExists ? { promptExists: options.promptExists } : {}),
      ...(options.promptsDescription ? { promptsDescription: options.promptsDescription } : {}),
    });
    await registry.load();
    let failures = 0;
    let pending = files;
    for (let pass = 0; pending.length > 0 && pass <= files.length; pass++) {
      const retry: Array<{ file: string; err: FlowValidationError }> = [];
      for (const file of pending) {
        try {
          const o = await registry.deploy(readFileSync(file, 'utf8'), show(file, io), by);
          io.out(`${show(file, io)}: ${o.flowId} ${o.unchanged ? `unchanged (version ${o.version})` : `deployed as version ${o.version}`}`);
        } catch (err) {
          if (!(err instanceof FlowValidationError)) throw err;
          retry.push({ file, err });
        }
      }
      if (retry.length === pending.length || pass === files.length) {
        for (const r of retry) io.err(`${show(r.file, io)}: refused, the running version stays\n${r.err.message}`);
        failures = retry.length;
        break;
      }
      pending = retry.map((r) => r.file);
    }
    return failures > 0 ? 1 : 0;
  });
};

export const list: CommandRun = async (_args, io) =>
  withDb(io, async (db) => {
    const registry = new FlowRegistry({ store: new FlowStore(db), knownQueues: () => undefined });
    await registry.load();
    const flows = registry.list();
    if (flows.length === 0) io.out('no flows deployed');
    for (const f of flows) io.out(`${f.id}  v${f.version}  ${f.dids.join(', ') || '(no DID)'}${f.description ? `  — ${f.description}` : ''}`);
    return 0;
  });
