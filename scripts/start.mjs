#!/usr/bin/env node
// `npm start`: build, then open Lakebench. The desktop app when Electron's binary is installed (it is,
// after a normal `npm install`), with better-sqlite3 built for that Electron first (kept apart from npm's
// build for Node: see core/native/sqlite-addon.ts); otherwise the same UI in web mode via `lakebench serve`,
// whose URL (with its one-time token) is printed. The first start opens the built-in sample lake.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};
run(process.execPath, ['scripts/build-cli.mjs']);
run('npx', ['electron-vite', 'build']);

let electronBinary;
try {
  electronBinary = createRequire(import.meta.url)('electron'); // the binary's path, or throws when absent
} catch (e) {
  console.error(`Electron is not installed here (${e.message.split('\n')[0]}); starting web mode instead.`);
}
// Skipped when that build exists already. Should it fail, the app still opens and its engine says what is missing.
if (electronBinary && spawnSync('npx', ['tsx', 'scripts/build-sqlite-addon.ts'], { stdio: 'inherit' }).status !== 0) {
  console.error('better-sqlite3 could not be built for Electron; the app will show what to do.');
}
const child = electronBinary
  ? spawn(electronBinary, ['.'], { stdio: 'inherit' })
  : spawn(process.execPath, ['bin/lakebench.mjs', 'serve', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
