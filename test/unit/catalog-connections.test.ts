/** Migration 5: catalogs become a connection kind; connections saved before keep their rows and secrets. */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate, migrations } from '../../core/catalog/migrations';
import { WorkbenchStore } from '../../core/api/workbench-store';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'lakebench-catalog-connections-'));
  file = path.join(dir, 'catalog.sqlite');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('migration 5: Iceberg catalogs as connections', () => {
  it('upgrades a catalog written by migrations 1–4, keeping its connections, and takes catalog kinds after', () => {
    const old = new Database(file);
    expect(migrate(old, migrations.slice(0, 4))).toBe(4);
    const insert = old.prepare('INSERT INTO connections (id, name, kind, settings, secret, created_at) VALUES (?, ?, ?, ?, ?, ?)');
    insert.run('c1', 'minio', 's3-compatible', '{"bucket":"b"}', Buffer.from([1, 2, 3]), '2026-01-01T00:00:00.000Z');
    expect(() => insert.run('c2', 'cat', 'iceberg-rest', '{}', null, '2026-01-01T00:00:00.000Z')).toThrow(/CHECK constraint/);
    old.close();

    const store = WorkbenchStore.open(file);
    try {
      expect(store.connections()).toEqual([
        { id: 'c1', name: 'minio', kind: 's3-compatible', settings: { bucket: 'b' }, secret: new Uint8Array([1, 2, 3]), createdAt: '2026-01-01T00:00:00.000Z' },
      ]);
      store.putConnection({ id: 'c2', name: 'cat', kind: 'iceberg-rest', settings: { uri: 'https://catalog.example.com' }, createdAt: '2026-01-02T00:00:00.000Z' });
      expect(store.connection('c2')).toMatchObject({ kind: 'iceberg-rest', settings: { uri: 'https://catalog.example.com' } });
    } finally {
      store.close();
    }
  });
});
