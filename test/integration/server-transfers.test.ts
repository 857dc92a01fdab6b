/**
 * `lakebench serve`'s file transfers for the page: a result exported as a download (CSV and Parquet,
 * read back with DuckDB) and files uploaded for an import, both behind the token and the same-origin
 * checks, uploads confined to the server's own folder. Real server, real DuckDB.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOWNLOAD_EXPORT_PATH, UPLOAD_PATH } from '../../core/server/transfer-paths';
import { startWorkbenchServer, type WorkbenchServer } from '../helpers/workbench-server';

let served: WorkbenchServer;
let queryId: string;
const SQL = 'select order_id, amount from orders order by order_id limit 200';

beforeAll(async () => {
  served = await startWorkbenchServer();
  queryId = (await served.client.queryStart({ sql: SQL })).queryId;
});
afterAll(async () => {
  await served?.stop();
});

const authorized = (extra: Record<string, string> = {}) => ({ authorization: `Bearer ${served.token}`, ...extra });
const downloadUrl = (params: Record<string, string>) => `${served.origin}${DOWNLOAD_EXPORT_PATH}?${new URLSearchParams(params)}`;

async function duckdbValue(sql: string): Promise<unknown[]> {
  const connection = await (await DuckDBInstance.create(':memory:')).connect();
  return (await connection.runAndReadAll(sql)).getRowsJson()[0];
}

describe('export as a download', () => {
  it.each(['csv', 'parquet'] as const)('streams the %s export as an attachment that DuckDB reads back', async (format) => {
    const response = await fetch(downloadUrl({ queryId, format }), { headers: authorized() });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-disposition')).toBe(`attachment; filename="result.${format}"`);
    const file = join(served.dir, `downloaded.${format}`);
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    // The same result exported to a path by the engine (as Electron does) is the reference.
    const direct = join(served.dir, `direct.${format}`);
    await served.workbench.jobSettled((await served.client.exportResult({ queryId, format, path: direct })).jobId);
    const reader = format === 'csv' ? 'read_csv' : 'read_parquet';
    const summary = (path: string) => duckdbValue(`select count(*), sum(order_id), sum(amount)::decimal(18,2)::varchar from ${reader}('${path}')`);
    const got = await summary(file);
    expect(Number(got[0])).toBe(200);
    expect(got).toEqual(await summary(direct));
    if (format === 'csv') expect(await readFile(file, 'utf8')).toBe(await readFile(direct, 'utf8'));
  });

  it('needs the token and a same-origin page', async () => {
    expect((await fetch(downloadUrl({ queryId, format: 'csv' }))).status).toBe(401);
    const foreign = await fetch(downloadUrl({ queryId, format: 'csv' }), { headers: authorized({ origin: 'http://evil.example' }) });
    expect(foreign.status).toBe(403);
  });

  it('names the bad argument or the unknown query', async () => {
    const badFormat = await fetch(downloadUrl({ queryId, format: 'xlsx' }), { headers: authorized() });
    expect(badFormat.status).toBe(400);
    expect(await badFormat.text()).toMatch(/bad arguments for exportResult: format/);
    const unknown = await fetch(downloadUrl({ queryId: 'no-such-query', format: 'csv' }), { headers: authorized() });
    expect(unknown.status).toBeGreaterThanOrEqual(400);
    expect(await unknown.text()).toMatch(/no-such-query/);
  });
});

describe('uploads for an import', () => {
  const upload = (name: string, body: string, headers: Record<string, string>) =>
    fetch(`${served.origin}${UPLOAD_PATH}?name=${encodeURIComponent(name)}`, { method: 'POST', headers, body });

  it('saves the file in the server folder and the import reads it from there', async () => {
    const response = await upload('extra.csv', 'id,label\n1,a\n2,b\n', authorized({ 'content-type': 'application/octet-stream' }));
    const reply = (await response.json()) as { ok: true; value: { path: string } };
    expect(reply.ok).toBe(true);
    expect(reply.value.path.startsWith(tmpdir())).toBe(true);
    expect(reply.value.path.endsWith('/extra.csv')).toBe(true);
    expect(await readFile(reply.value.path, 'utf8')).toBe('id,label\n1,a\n2,b\n');
    const job = await served.client.importFiles({ location: join(served.lake, 'uploaded'), inputs: [reply.value.path] });
    await served.workbench.jobSettled(job.jobId);
    const done = (await served.client.jobs({})).find((j) => j.jobId === job.jobId)!;
    expect(done.state).toBe('done');
  });

  it('refuses names with folders, hidden names, other content types, and callers without the token', async () => {
    const octet = authorized({ 'content-type': 'application/octet-stream' });
    for (const name of ['../escape.csv', 'a/b.csv', '.bashrc', '']) {
      const response = await upload(name, 'x', octet);
      expect(response.status).toBe(400);
      const reply = (await response.json()) as { ok: false; error: { code: string; message: string } };
      expect(reply.error.code).toBe('USAGE');
      expect(reply.error.message).toContain(`"${name}" is not a plain file name`);
    }
    const form = await upload('x.csv', 'x', authorized({ 'content-type': 'text/plain' }));
    expect(form.status).toBe(400);
    expect(((await form.json()) as { error: { message: string } }).error.message).toMatch(/application\/octet-stream/);
    expect((await upload('x.csv', 'x', { 'content-type': 'application/octet-stream' })).status).toBe(401);
  });
});
