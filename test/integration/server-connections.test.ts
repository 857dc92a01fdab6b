/** Saved connections: secrets sealed at rest and never returned; an S3-compatible bucket browsed over HTTP. */
import { PutObjectCommand } from '@aws-sdk/client-s3';
import Database from 'better-sqlite3';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startS3Server, type S3TestServer } from '../helpers/s3server';
import { startWorkbenchServer, type WorkbenchServer } from '../helpers/workbench-server';

let served: WorkbenchServer;
let s3: S3TestServer;

beforeAll(async () => {
  [served, s3] = await Promise.all([startWorkbenchServer(), startS3Server()]);
  await s3.createBucket('lake');
  for (let i = 0; i < 25; i++) {
    await s3.client.send(new PutObjectCommand({ Bucket: 'lake', Key: `raw/file-${String(i).padStart(2, '0')}.csv`, Body: `id\n${i}\n` }));
  }
  await s3.client.send(new PutObjectCommand({ Bucket: 'lake', Key: 'other/readme.txt', Body: 'hello' }));
});
afterAll(async () => {
  await served?.stop();
  await s3?.stop();
});

const SECRET = 'S3RVER'; // the test server's secret key: must not be findable in the catalog file

/** The loopback S3 server as a saved S3-compatible connection. */
function loopbackConnection() {
  return {
    kind: 's3-compatible' as const,
    name: 'loopback',
    endpoint: s3.endpoint,
    bucket: 'lake',
    accessKeyId: s3.credentials.accessKeyId,
    secretAccessKey: SECRET,
  };
}

describe('connections', () => {
  it('seals the secret on disk and never returns it', async () => {
    const saved = await served.client.saveConnection(loopbackConnection());
    expect(saved).toMatchObject({ name: 'loopback', kind: 's3-compatible', root: 's3://lake', hasSecret: true, accessKeyHint: 'RVER' });
    const listed = await served.client.connections({});
    for (const reply of [saved, listed]) {
      expect(JSON.stringify(reply)).not.toContain(SECRET);
      expect(JSON.stringify(reply)).not.toContain('secretAccessKey');
    }

    const catalog = join(served.home, 'catalog.sqlite');
    const db = new Database(catalog, { readonly: true });
    const row = db.prepare('SELECT settings, secret FROM connections WHERE id = ?').get(saved.id) as { settings: string; secret: Buffer };
    db.close();
    expect(row.secret.length).toBeGreaterThan(SECRET.length);
    expect(row.secret.includes(Buffer.from(SECRET))).toBe(false);
    expect(row.settings).not.toContain(SECRET);
    for (const file of [catalog, `${catalog}-wal`]) {
      const bytes = await readFile(file).catch(() => Buffer.alloc(0));
      expect(bytes.includes(Buffer.from(SECRET))).toBe(false);
    }
    if (process.platform !== 'win32') expect((await stat(join(served.home, 'secret.key'))).mode & 0o777).toBe(0o600);
    await served.client.removeConnection({ id: saved.id });
  });

  it('browses the bucket through a saved connection, one page at a time', async () => {
    const connection = await served.client.saveConnection(loopbackConnection());
    expect(await served.client.testConnection({ id: connection.id })).toMatchObject({ ok: true, root: 's3://lake', entries: 2 });

    const top = await served.client.lsPage({ location: connection.root, connectionId: connection.id });
    expect(top.entries.map((e) => e.key)).toEqual(['other/', 'raw/']);
    const keys: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await served.client.lsPage({ location: connection.root, connectionId: connection.id, prefix: 'raw/', limit: 10, token });
      keys.push(...page.entries.map((e) => e.key));
      token = page.nextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(keys).toHaveLength(25);
    expect(keys[24]).toBe('raw/file-24.csv');

    const preview = await served.client.preview({ location: connection.root, connectionId: connection.id, key: 'raw/file-07.csv' });
    expect(preview).toMatchObject({ kind: 'text', format: 'csv', lines: ['id', '7'] });

    // A location outside the connection's root is refused, not opened with the connection's keys.
    await expect(served.client.lsPage({ location: 's3://another-bucket', connectionId: connection.id })).rejects.toMatchObject({
      code: 'OUTSIDE_LOCATION',
    });
  });

  it('reports a wrong secret when testing an unsaved connection', async () => {
    const result = await served.client.testConnection({
      kind: 's3-compatible',
      name: 'wrong',
      endpoint: s3.endpoint,
      bucket: 'lake',
      accessKeyId: s3.credentials.accessKeyId,
      secretAccessKey: 'not-the-secret',
    });
    expect(result.ok).toBe(false);
    expect(result.code).toBe('ACCESS_DENIED');
    expect(JSON.stringify(result)).not.toContain('not-the-secret');
  });
});
