#!/usr/bin/env node
// The `lakebench` command: runs the bundled CLI (dist/cli.mjs, built by `npm run build:cli`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const cli = new URL('../dist/cli.mjs', import.meta.url);
if (!existsSync(fileURLToPath(cli))) {
  process.stderr.write('lakebench: the CLI is not built yet; run `npm run build:cli` in the lakebench folder\n');
  process.exit(1);
}
const { main } = await import(cli.href);
await main(process.argv);
