#!/usr/bin/env node
// `npm start`: build, then open Lakebench. The desktop app when Electron's binary is installed (it is,
// after a normal `npm install`); otherwise the same UI in web mode via `lakebench serve`, whose URL
// (with its one-time token) is printed. The first start opens the built-in sample lake.
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
const child = electronBinary
  ? spawn(electronBinary, ['.'], { stdio: 'inherit' })
  : spawn(process.execPath, ['bin/lakebench.mjs', 'serve', ...process.argv.slice(2)], { stdio: 'inherit' });
child.on('exit', (code) => process.exit(code ?? 0));
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
