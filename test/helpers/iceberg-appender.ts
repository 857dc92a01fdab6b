/**
 * A test appender for Iceberg tables through the engine's commit path: rows from a SELECT written to
 * one Parquet file (DuckDB COPY with field ids) under a fresh name in the table's `data/`, then an
 * `append` snapshot committed on the given target (folder, SQL or REST catalog), retried on lost races.
 * Delete files are added the same way (a `delete` snapshot), as a concurrent deleting writer would.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { CommitOptions, CommitTarget } from '../../core/formats/iceberg/commit';
import { commitSnapshot } from '../../core/formats/iceberg/snapshot-producer';

export interface Append {
  /** A SELECT producing the rows, its columns named as in `fieldIds`. */
  sql: string;
  /** Column name → field id. */
  fieldIds: Record<string, number>;
  /** Partition tuple by Avro field name (default: unpartitioned). */
  partition?: Record<string, unknown>;
  specId?: number;
  /** What the file holds (default data): position deletes (columns file_path, pos) or equality deletes on `equalityIds`. */
  content?: 0 | 1 | 2;
  equalityIds?: number[];
}

/** Field ids of a position delete file's columns (spec, "Reserved Field IDs"). */
export const POSITION_DELETE_IDS = { file_path: 2147483546, pos: 2147483545 };

/** Appends the rows; answers the new snapshot's id. */
export async function appendRows(target: CommitTarget, conn: DuckDBConnection, append: Append, options: CommitOptions = {}): Promise<string> {
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'lakebench-append-'));
  try {
    const local = path.join(scratch, 'rows.parquet');
    const ids = Object.entries(append.fieldIds).map(([name, id]) => `"${name}": ${id}`).join(', ');
    await conn.run(`COPY (${append.sql}) TO '${local}' (FORMAT parquet, FIELD_IDS {${ids}})`);
    const rows = Number((await conn.runAndReadAll(`SELECT count(*)::BIGINT FROM read_parquet('${local}')`)).getRows()[0]![0]);
    const size = (await stat(local)).size;
    const key = `data/${randomUUID()}.parquet`;
    let uploaded = false;
    const committed = await commitSnapshot(
      target,
      async (state) => {
        if (!uploaded) await state.table.store.putFile(key, local);
        uploaded = true;
        return {
          operation: (append.content ?? 0) === 0 ? 'append' : 'delete',
          added: [{ content: append.content ?? 0, ...(append.equalityIds && { equalityIds: append.equalityIds }), path: `${state.table.metadata.location}/${key}`, format: 'PARQUET', specId: append.specId ?? state.table.metadata.defaultSpecId, partition: append.partition ?? {}, recordCount: rows, fileSizeInBytes: size }],
          removed: new Set(),
        };
      },
      options,
    );
    return committed.result.snapshot['snapshot-id'].toString();
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
