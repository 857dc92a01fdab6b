/**
 * Iceberg catalogs for tests: a SQL catalog file as pyiceberg and the JDBC catalog write it, what a REST
 * catalog vends for the loopback S3 server, and a small table on that server for a catalog to serve.
 */
import Database from 'better-sqlite3';
import type { DuckDBConnection } from '@duckdb/node-api';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { S3Store } from '../../core/storage/s3';
import { IcebergTestWriter } from './iceberg-writer';
import type { S3TestServer } from './s3server';
import { uploadFolder } from './upload-folder';

export interface SqlCatalogRow {
  catalog: string;
  /** Dot-joined, as the SQL catalog stores it. */
  namespace: string;
  table: string;
  metadataLocation: string;
  previousMetadataLocation?: string;
}

/** A SQLite file with `iceberg_tables` holding `tables`, and `iceberg_namespace_properties` holding `namespaces` (catalog, namespace). */
export function writeSqlCatalog(file: string, tables: SqlCatalogRow[], namespaces: [string, string][] = []): void {
  const db = new Database(file);
  try {
    db.exec(`CREATE TABLE iceberg_tables (catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL,
      table_name VARCHAR(255) NOT NULL, metadata_location VARCHAR(1000), previous_metadata_location VARCHAR(1000),
      PRIMARY KEY (catalog_name, table_namespace, table_name))`);
    const insert = db.prepare('INSERT INTO iceberg_tables VALUES (?, ?, ?, ?, ?)');
    for (const t of tables) insert.run(t.catalog, t.namespace, t.table, t.metadataLocation, t.previousMetadataLocation ?? null);
    if (namespaces.length === 0) return;
    db.exec(`CREATE TABLE iceberg_namespace_properties (catalog_name VARCHAR(255) NOT NULL, namespace VARCHAR(255) NOT NULL,
      property_key VARCHAR(255) NOT NULL, property_value VARCHAR(1000), PRIMARY KEY (catalog_name, namespace, property_key))`);
    const property = db.prepare('INSERT INTO iceberg_namespace_properties VALUES (?, ?, ?, ?)');
    for (const [catalog, namespace] of namespaces) property.run(catalog, namespace, 'exists', 'true');
  } finally {
    db.close();
  }
}

/** The load-table `config` a REST catalog vends for a table on the loopback S3 server: its keys, endpoint and region. */
export function vendedS3Config(s3: S3TestServer): Record<string, string> {
  return {
    's3.access-key-id': s3.credentials.accessKeyId,
    's3.secret-access-key': s3.credentials.secretAccessKey,
    's3.endpoint': s3.endpoint,
    's3.region': s3.region,
  };
}

export interface ServedTable {
  /** `s3://lake/wh/db/events/<metadata file>`. */
  metadataLocation: string;
  /** The metadata file's text, as a REST catalog answers load-table with it. */
  metadataText: string;
  /** Snapshot ids, oldest first. */
  snapshots: string[];
}

/**
 * `events` at s3://lake/wh/db/events (bucket `lake` must exist), written in `dir` with catalog-style
 * metadata names: 40 `click` rows, then 10 `view` rows (ids 40–49; `nullKindAt` gets a null kind).
 */
export async function writeEventsOnS3(dir: string, conn: DuckDBConnection, s3: S3TestServer, nullKindAt?: number): Promise<ServedTable> {
  const writer = new IcebergTestWriter(dir, conn, {
    fields: [
      { id: 1, name: 'id', type: 'long' },
      { id: 2, name: 'kind', type: 'string' },
    ],
    location: 's3://lake/wh/db/events',
    catalogNames: true,
  });
  const kind = nullKindAt === undefined ? `'view'` : `CASE WHEN range = ${nullKindAt} THEN NULL ELSE 'view' END`;
  const snapshots = [
    await writer.commit({ add: [{ sql: `SELECT range AS id, 'click' AS kind FROM range(40)` }] }),
    await writer.commit({ add: [{ sql: `SELECT range AS id, ${kind} AS kind FROM range(40, 50)` }] }),
  ].map(String);
  await uploadFolder(dir, new S3Store({ client: s3.client, bucket: 'lake', prefix: 'wh/db/events', urlScheme: 's3', endpoint: s3.endpoint }));
  return {
    metadataLocation: `s3://lake/wh/db/events/${writer.lastMetadataKey}`,
    metadataText: await readFile(join(dir, writer.lastMetadataKey), 'utf8'),
    snapshots,
  };
}
