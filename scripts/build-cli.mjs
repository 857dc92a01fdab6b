#!/usr/bin/env node
// Bundles the CLI (core/cli/main.ts) into dist/ with esbuild; runs as npm `prepare`, so `npm install` and
// `npm ci` leave `npx lakebench` working. Code splitting keeps each command's dynamic import() a separate
// chunk, so `--help` and `--version` never load DuckDB, the AWS SDK or parquet-wasm. Dependencies stay
// external (native addons and wasm cannot be bundled) and resolve from node_modules at run time.
import { build } from 'esbuild';
import { rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// `--outdir <dir>` (inside the project, so that node_modules resolves) builds a private copy: the crash
// tests run one that other test files' rebuilds of dist/ cannot remove under them.
const outdirFlag = process.argv.indexOf('--outdir');
const outdir = outdirFlag > 0 ? resolve(process.argv[outdirFlag + 1]) : join(root, 'dist');

await rm(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  // The deep-verify worker is a thread's entry of its own; core/ops/verify/deep-check-worker-spec.ts finds it here.
  entryPoints: { cli: 'core/cli/main.ts', 'deep-check-worker': 'core/ops/verify/deep-check-worker.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node22',
  packages: 'external',
  sourcemap: true,
  entryNames: '[name]',
  chunkNames: 'chunks/[name]-[hash]',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
});
