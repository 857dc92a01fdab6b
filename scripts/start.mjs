#!/usr/bin/env node
// `npm start`: open Lakebench on the built-in sample lake (first start: write it to
// $LAKEBENCH_HOME/sample-lake). Until the desktop app lands this shows the lake through the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

const home = process.env.LAKEBENCH_HOME ?? join(homedir(), '.lakebench');
const lake = join(home, 'sample-lake');
const cli = (...args) => {
  const r = spawnSync(process.execPath, ['bin/lakebench.mjs', ...args], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
};

if (!existsSync(lake)) cli('demo', lake);
console.log(`\nSample lake: ${lake}\n`);
cli('tables', lake);
cli('history', join(lake, 'orders'));
cli('sql', 'select order_date, count(*) as orders, round(sum(amount), 2) as revenue from orders group by 1 order by 1', '--lake', lake);
