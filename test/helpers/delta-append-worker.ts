/**
 * A separate writer process for the Delta concurrency test: appends `count` commits to the table at
 * `location` (a path or s3:// URL; S3 settings from the AWS_* environment). Each commit writes one
 * one-row Parquet file under a fresh name and commits its add (with stats) as a blind append at the
 * latest version it sees. Prints one JSON line per commit: {"version":…,"retries":…}.
 *
 * Usage: node --import tsx test/helpers/delta-append-worker.ts <location> <count> <writer-name>
 */
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { randomUUID } from 'node:crypto';
import { Table as WasmTable, writeParquet } from 'parquet-wasm';
import { commit } from '../../core/formats/delta/commit';
import { DeltaTable } from '../../core/formats/delta/table';
import { openLocation } from '../../core/storage/location';

function oneRowParquet(writer: string, seq: number): Uint8Array {
  const table = tableFromArrays({ writer: [writer], seq: BigInt64Array.of(BigInt(seq)) });
  return writeParquet(WasmTable.fromIPCStream(tableToIPC(table, 'stream')));
}

async function main(): Promise<void> {
  const [location, countArg, writer] = process.argv.slice(2);
  const store = openLocation(location);
  for (let seq = 0; seq < Number(countArg); seq++) {
    const path = `part-${writer}-${seq}-${randomUUID()}.parquet`;
    const bytes = oneRowParquet(writer, seq);
    await store.put(path, bytes);
    const { version: readVersion } = await (await DeltaTable.open(store)).snapshot();
    const stats = { numRecords: 1, minValues: { writer, seq }, maxValues: { writer, seq }, nullCount: { writer: 0, seq: 0 } };
    const result = await commit(store, {
      actions: [
        {
          add: { path, partitionValues: {}, size: bytes.length, modificationTime: Date.now(), dataChange: true, stats: JSON.stringify(stats) },
        },
      ],
      readVersion,
      operation: 'WRITE',
      operationParameters: { mode: 'Append' },
      isBlindAppend: true,
      maxRetries: 100,
    });
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
