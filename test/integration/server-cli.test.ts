/** `lakebench serve --port 0 --lake …` as users run it: prints the real port with a token, serves, stops on SIGTERM. */
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildCli, finished, startCli } from '../helpers/cli-process';
import { SAMPLE_LAKE } from '../helpers/workbench-server';

let dir: string;

beforeAll(async () => {
  buildCli();
  dir = await mkdtemp(join(tmpdir(), 'lakebench-serve-cli-'));
  await cp(SAMPLE_LAKE, join(dir, 'lake'), { recursive: true });
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('serves the lake on a free loopback port and stops on SIGTERM', async () => {
  const child = startCli(['serve', '--port', '0', '--lake', join(dir, 'lake')], { LAKEBENCH_HOME: join(dir, 'home'), LAKEBENCH_DEBUG: '1' });
  const run = finished(child);
  const url = await new Promise<URL>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: string) => {
      out += d;
      const match = /Lakebench: (http:\/\/127\.0\.0\.1:(\d+)\/\?token=\S+)/.exec(out);
      if (match) resolve(new URL(match[1]));
    });
    child.on('close', () => reject(new Error(`serve ended early:\n${out}`)));
  });
  expect(Number(url.port)).toBeGreaterThan(0);
  const token = url.searchParams.get('token')!;

  expect((await fetch(`${url.origin}/api/workspace`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })).status).toBe(401);
  const reply = await fetch(`${url.origin}/api/workspace`, {
    method: 'POST',
    body: '{}',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
  });
  const workspace = (await reply.json()) as { value: { root: string; tables: { name: string }[] } };
  expect(workspace.value.root).toBe(join(dir, 'lake'));
  expect(workspace.value.tables.map((t) => t.name)).toEqual(['customers', 'orders']);

  child.kill('SIGTERM');
  const result = await run;
  expect(result.code).toBe(0);
  // LAKEBENCH_DEBUG logs each request on stderr; the token is in none of them.
  expect(result.stderr).toContain('POST /api/workspace 200');
  expect(result.stderr).not.toContain(token);
});
