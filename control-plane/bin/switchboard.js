#!/usr/bin/env node
// `switchboard` command shim: registers tsx (TypeScript on the fly) and runs the CLI.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/index.ts');
process.exitCode = await main(process.argv.slice(2));
