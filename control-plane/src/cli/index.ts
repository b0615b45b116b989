/**
 * `switchboard` — the command-line tool (`npx switchboard …` in the repository).
 * Each area registers its subcommands here, ONE LINE EACH, loaded lazily:
 *   commands.register('lists import', 'Import a lead list from CSV', () => import('../dialer/cli.js').then((m) => m.listsImport));
 * A command is `(args, io) => Promise<exitCode>` (see ./registry.ts).
 */
import { pathToFileURL } from 'node:url';
import { CommandRegistry, type CliIo } from './registry.js';

export const commands = new CommandRegistry()
  .register('ivr validate', 'Check IVR flow files; prints file:line:column errors', () => import('./ivr.js').then((m) => m.validate))
  .register('ivr test', 'Run *.test.yaml cases against flows on the simulator', () => import('./ivr.js').then((m) => m.test))
  .register('ivr graph', 'Print a flow as Graphviz DOT (pipe to dot -Tsvg)', () => import('./ivr.js').then((m) => m.graph))
  .register('ivr schema', 'Write the JSON Schema for flow files', () => import('./ivr.js').then((m) => m.schema))
  .register('ivr deploy', 'Validate and deploy flows to the database (new calls use them)', () => import('./ivr.js').then((m) => m.deploy))
  .register('ivr list', 'List deployed flows, versions and DID routes', () => import('./ivr.js').then((m) => m.list));

export const processIo: CliIo = {
  out: (t) => process.stdout.write(`${t}\n`),
  err: (t) => process.stderr.write(`${t}\n`),
  cwd: process.cwd(),
  env: process.env,
};

export async function main(argv = process.argv.slice(2)): Promise<number> {
  try {
    return await commands.run(argv, processIo);
  } catch (err) {
    processIo.err(`switchboard: ${(err as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
