/**
 * A Lakeside bucket (formats.md §2) as three views: `<name>_compacted` over the Parquet files its
 * `_lakeside_log` holds live (strings stored as BYTE_ARRAY without a UTF8 annotation read as text),
 * `<name>_staging` over the staged JSON records not compacted yet (typed by `schema/schema.json`, or
 * inferred), and `<name>`, both together: the "real-time" view. Staged records that break the schema
 * are left out of it (`compact-staging` quarantines them), and so are sources a compaction logged in
 * `_lakeside_log` has already taken but not yet deleted — else they would count twice.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { readLakesideLog } from '../formats/lakeside/log';
import { pendingSources } from '../formats/lakeside/run-manifests';
import { listStagingSources, notPartitioned, readStagingSchema } from '../formats/lakeside/staging';
import { readStagingRecords, stagedRecordsQuery } from '../formats/lakeside/staging-records';
import { quoteIdent, quoteLiteral, quoteLiteralList } from '../sql-text';
import type { ObjectStore } from '../storage/types';

/** Local paths of the bucket's objects (read in place, or through the cache for a remote bucket). */
export type LocalPaths = (items: { key: string; size: number; etag?: string }[]) => Promise<Map<string, string>>;

export async function createLakesideViews(connection: DuckDBConnection, name: string, store: ObjectStore, localPaths: LocalPaths): Promise<void> {
  const [state, listed, fields] = await Promise.all([readLakesideLog(store), listStagingSources(store), readStagingSchema(store)]);
  const sources = await pendingSources(store, state, listed);
  const compacted = quoteIdent(`${name}_compacted`);
  const staging = quoteIdent(`${name}_staging`);

  const scratch = await mkdtemp(join(tmpdir(), 'lakebench-lakeside-'));
  try {
    const staged = await readStagingRecords(store, sources, {
      fields,
      partitionProblem: notPartitioned,
      dir: scratch,
      checkCancelled: () => undefined,
    });
    const partitionColumns = [...new Set(sources.flatMap((s) => s.partition?.map((p) => p.column) ?? []))].map((c) => ({ name: c, type: 'VARCHAR' }));
    const query = stagedRecordsQuery(staged, partitionColumns, (_column, value) => quoteLiteral(value));
    // A table, not a view: the staged records' local files go with the scratch folder.
    await connection.run(`CREATE OR REPLACE TABLE ${staging} AS ${query ?? 'SELECT NULL::VARCHAR AS __lb_none WHERE false'}`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }

  const live = [...state.live.values()];
  if (live.length > 0) {
    const paths = await localPaths(live.map((a) => ({ key: a.path, size: a.size ?? -1 })));
    const list = quoteLiteralList(live.map((a) => paths.get(a.path)!));
    await connection.run(
      `CREATE OR REPLACE VIEW ${compacted} AS SELECT * FROM read_parquet(${list}, binary_as_string = true, union_by_name = true, hive_partitioning = true, hive_types_autocast = false)`,
    );
  } else {
    await connection.run(`CREATE OR REPLACE VIEW ${compacted} AS SELECT * FROM ${staging} WHERE false`);
  }
  await connection.run(`CREATE OR REPLACE VIEW ${quoteIdent(name)} AS SELECT * FROM ${compacted} UNION ALL BY NAME SELECT * FROM ${staging}`);
}
