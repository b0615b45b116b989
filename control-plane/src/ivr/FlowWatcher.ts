/**
 * Hot reload: deploys every flow file in a directory at start, then watches it and
 * redeploys a file when it changes. An invalid edit is logged with file:line:column and
 * refused; the running version stays. No restart needed.
 */
import { watch, type FSWatcher } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock, TimerHandle } from '../clock.js';
import type { Logger } from '../logger.js';
import type { FlowRegistry } from './FlowRegistry.js';
import { FlowValidationError, formatProblem } from './loader.js';

/** Flow files: `*.yaml`/`*.yml`, not tests and not the queue list. */
export function isFlowFile(name: string): boolean {
  return /\.ya?ml$/.test(name) && !/\.test\.ya?ml$/.test(name) && !/^queues\.ya?ml$/.test(name);
}

export interface DirectoryDeployResult {
  deployed: Array<{ file: string; flowId: string; version: number; unchanged: boolean }>;
  refused: Array<{ file: string; problems: string[] }>;
}

/** Deploys every flow in `dir`; flows that need another flow are retried after it. */
export async function deployDirectory(registry: FlowRegistry, dir: string, by = 'watcher'): Promise<DirectoryDeployResult> {
  const files = (await readdir(dir)).filter(isFlowFile).sort().map((f) => join(dir, f));
  const result: DirectoryDeployResult = { deployed: [], refused: [] };
  let pending = files;
  for (let pass = 0; pending.length > 0 && pass < files.length; pass++) {
    const failed: Array<{ file: string; problems: string[] }> = [];
    for (const file of pending) {
      try {
        const o = await registry.deploy(await readFile(file, 'utf8'), file, by);
        result.deployed.push({ file, ...o });
      } catch (err) {
        if (!(err instanceof FlowValidationError)) throw err;
        failed.push({ file, problems: err.problems.map(formatProblem) });
      }
    }
    if (failed.length === pending.length) {
      result.refused.push(...failed);
      break;
    }
    pending = failed.map((f) => f.file);
    if (pending.length === 0) break;
    if (pass === files.length - 1) result.refused.push(...failed);
  }
  return result;
}

export class FlowWatcher {
  #watcher: FSWatcher | null = null;
  #timers = new Map<string, TimerHandle>();

  constructor(
    private readonly registry: FlowRegistry,
    private readonly dir: string,
    private readonly clock: Clock,
    private readonly log: Logger,
    private readonly debounceMs = 250,
  ) {}

  async start(): Promise<DirectoryDeployResult> {
    const result = await deployDirectory(this.registry, this.dir);
    for (const r of result.refused) this.log.error({ file: r.file, problems: r.problems }, `flow refused:\n${r.problems.join('\n')}`);
    this.#watcher = watch(this.dir, (_event, name) => {
      if (!name || !isFlowFile(name)) return;
      this.#timers.get(name)?.cancel();
      this.#timers.set(
        name,
        this.clock.setTimer(this.debounceMs, () => {
          this.#timers.delete(name);
          void this.#redeploy(join(this.dir, name));
        }),
      );
    });
    return result;
  }

  async #redeploy(file: string): Promise<void> {
    let source: string;
    try {
      source = await readFile(file, 'utf8');
    } catch {
      return; // deleted or renamed: the deployed version keeps running
    }
    try {
      const o = await this.registry.deploy(source, file, 'watcher');
      if (!o.unchanged) this.log.info({ file, flowId: o.flowId, version: o.version }, 'flow deployed');
    } catch (err) {
      if (err instanceof FlowValidationError) this.log.error({ file }, `flow refused, the running version stays:\n${err.message}`);
      else this.log.error({ err, file }, 'flow deploy failed');
    }
  }

  stop(): void {
    this.#watcher?.close();
    this.#watcher = null;
    for (const t of this.#timers.values()) t.cancel();
    this.#timers.clear();
  }
}
