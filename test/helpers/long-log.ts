/**
 * A Delta table with a long log, written directly (not through the commit op, which would take minutes
 * for thousands of versions): version 0 creates it, each later version adds one data file, every second
 * one also removes the file the version before added, and a checkpoint is written every
 * `checkpointEvery` versions, as a writer with delta.checkpointInterval would. For the log's cost in the
 * cleanup ops (orphans, vacuum, expire) — their tests and benches — not for its rows: every data file holds
 * the same bytes.
 */
import { writeCheckpoint } from '../../core/formats/delta/checkpoint-write';
import { newTableActions } from '../../core/formats/delta/create';
import { commitKey } from '../../core/formats/delta/log-files';
import { serializeActions } from '../../core/formats/delta/parse';
import { DeltaTable } from '../../core/formats/delta/table';
import type { Action } from '../../core/formats/delta/actions';
import { mapWithConcurrency } from '../../core/storage/concurrency';
import type { ObjectStore } from '../../core/storage/types';

export interface LongLogOptions {
  /** Versions 0..versions-1. */
  versions: number;
  checkpointEvery: number;
  /** The bytes of every data file. */
  dataFile: Uint8Array;
  /** Commit time of every version (ms since the epoch; default now). */
  time?: number;
}

export interface LongLog {
  /** Keys of the data files removed by some version (tombstoned), and of the live ones. */
  removed: string[];
  live: string[];
  checkpoints: number[];
}

const SCHEMA = { type: 'struct' as const, fields: [{ name: 'id', type: 'long', nullable: true, metadata: {} }] };
const WRITES_IN_FLIGHT = 16;

const dataKey = (version: number): string => `part-${String(version).padStart(6, '0')}.parquet`;

export async function writeLongLog(store: ObjectStore, options: LongLogOptions): Promise<LongLog> {
  const time = options.time ?? Date.now();
  const removed: string[] = [];
  const checkpoints: number[] = [];
  const versions = Array.from({ length: options.versions }, (_, v) => v);
  const actionsOf = (version: number): Action[] => {
    if (version === 0) return newTableActions({ schema: SCHEMA, partitionColumns: [] });
    const add: Action = {
      add: { path: dataKey(version), partitionValues: {}, size: options.dataFile.length, modificationTime: time, dataChange: true },
    };
    if (version % 2 === 1) return [add];
    removed.push(dataKey(version - 1));
    return [add, { remove: { path: dataKey(version - 1), deletionTimestamp: time, dataChange: true } }];
  };
  // In runs up to each checkpoint (versions that are multiples of checkpointEvery, as Delta's writers do):
  // a checkpoint is the state at its version, so its commits come first.
  for (let from = 0; from < options.versions; ) {
    const to = Math.min(options.versions - 1, (Math.floor(from / options.checkpointEvery) + 1) * options.checkpointEvery);
    await mapWithConcurrency(versions.slice(from, to + 1), WRITES_IN_FLIGHT, async (version) => {
      const commitInfo: Action = { commitInfo: { timestamp: time, operation: version === 0 ? 'CREATE TABLE' : 'WRITE' } };
      await store.put(commitKey(version), serializeActions([commitInfo, ...actionsOf(version)]));
      if (version > 0) await store.put(dataKey(version), options.dataFile);
    });
    if (to % options.checkpointEvery === 0) {
      await writeCheckpoint(store, await (await DeltaTable.open(store)).snapshot({ version: to }), time);
      checkpoints.push(to);
    }
    from = to + 1;
  }
  const gone = new Set(removed);
  const live = versions.filter((v) => v > 0 && !gone.has(dataKey(v))).map(dataKey);
  return { removed, live, checkpoints };
}
