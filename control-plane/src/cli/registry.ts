/**
 * The `switchboard` command's subcommands. Each is registered with one line in
 * cli/index.ts and loaded only when run, so `switchboard --help` stays fast and an area's
 * dependencies load only for its own commands.
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  cwd: string;
  env: Record<string, string | undefined>;
}

/** Runs a subcommand with the arguments after its name; resolves with the exit code. */
export type CommandRun = (args: string[], io: CliIo) => Promise<number>;

interface Entry {
  name: string;
  summary: string;
  load: () => Promise<CommandRun>;
}

export class CommandRegistry {
  readonly #entries: Entry[] = [];

  /** `name` may have several words: `register('lists import', '…', () => import('…').then((m) => m.run))`. */
  register(name: string, summary: string, load: () => Promise<CommandRun>): this {
    if (this.#entries.some((e) => e.name === name)) throw new Error(`command "${name}" is registered twice`);
    this.#entries.push({ name, summary, load });
    return this;
  }

  help(): string {
    const width = Math.max(...this.#entries.map((e) => e.name.length), 4);
    const lines = ['usage: switchboard <command> [options]', '', 'commands:'];
    for (const e of [...this.#entries].sort((a, b) => a.name.localeCompare(b.name))) lines.push(`  ${e.name.padEnd(width)}  ${e.summary}`);
    lines.push('', 'switchboard <command> --help shows the options of a command.');
    return lines.join('\n');
  }

  async run(argv: string[], io: CliIo): Promise<number> {
    if (argv.length === 0 || argv[0] === '--help' || argv[0] === '-h' || argv[0] === 'help') {
      io.out(this.help());
      return argv.length === 0 ? 2 : 0;
    }
    // Longest matching name wins: `ivr test` before `ivr`.
    const match = [...this.#entries]
      .sort((a, b) => b.name.split(' ').length - a.name.split(' ').length)
      .find((e) => {
        const words = e.name.split(' ');
        return words.every((w, i) => argv[i] === w);
      });
    if (!match) {
      const prefix = argv.filter((a) => !a.startsWith('-')).slice(0, 2).join(' ');
      const near = this.#entries.filter((e) => e.name.startsWith(argv[0] ?? '')).map((e) => e.name);
      io.err(`unknown command "${prefix}"${near.length ? `; did you mean: ${near.join(', ')}` : ''}\n\n${this.help()}`);
      return 2;
    }
    const run = await match.load();
    return run(argv.slice(match.name.split(' ').length), io);
  }
}
