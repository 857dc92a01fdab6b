/**
 * Generated Delta tables at the sizes users have (issue 17): `files` live files added `files / commits`
 * per commit, partitioned by `day`, with the newest checkpoint (a multi-part Parquet checkpoint written
 * by DuckDB COPY in the checkpoint schema Spark writes) and the commits after it. Opening and planning
 * read only the log, so data files are written only for the days asked for: each a copy of one small
 * Parquet file of `ROWS_PER_FILE` ids, which lets a test check a query's result by counting files.
 * Older checkpoints are not written: log cleanup removes them in real tables, and no reader uses them.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mapWithConcurrency } from '../../core/storage/concurrency';
import { quoteLiteral } from '../../core/sql-text';

export interface BigTableShape {
  files: number;
  commits: number;
  /** A checkpoint is kept at every multiple of this version; the newest one is written. */
  checkpointInterval: number;
  /** Distinct `day` values; file i lies in day `i % days`. */
  days: number;
  /** Rows per checkpoint part. */
  partRows: number;
  /** Day indexes whose files get a tiny Parquet file each (for tests that query those days). */
  dataDays?: number[];
}

export const ROWS_PER_FILE = 3;
const FIRST_DAY = Date.UTC(2024, 0, 1);
const DAY_MS = 86_400_000;
const CREATED = Date.UTC(2025, 0, 1);
const SCHEMA = JSON.stringify({
  type: 'struct',
  fields: [
    { name: 'id', type: 'long', nullable: true, metadata: {} },
    { name: 'day', type: 'date', nullable: true, metadata: {} },
  ],
});
const STATS = JSON.stringify({ numRecords: ROWS_PER_FILE, minValues: { id: 0 }, maxValues: { id: ROWS_PER_FILE - 1 }, nullCount: { id: 0 } });

/** The `day` partition value of file i, as the log writes it. */
export function dayOf(shape: Pick<BigTableShape, 'days'>, file: number): string {
  return new Date(FIRST_DAY + (file % shape.days) * DAY_MS).toISOString().slice(0, 10);
}

/** Files of one day: how many of the table's files a `day = …` query reads. */
export function filesOfDay(shape: Pick<BigTableShape, 'files' | 'days'>, dayIndex: number): number {
  return Math.floor(shape.files / shape.days) + (dayIndex < shape.files % shape.days ? 1 : 0);
}

const filePath = (shape: BigTableShape, i: number) => `day=${dayOf(shape, i)}/part-${String(i).padStart(7, '0')}.parquet`;
const perCommit = (shape: BigTableShape) => shape.files / shape.commits;
const versionOf = (shape: BigTableShape, i: number) => Math.floor(i / perCommit(shape));
const modificationTime = (version: number) => CREATED + version * 1000;

function addAction(shape: BigTableShape, i: number): string {
  const add = {
    path: filePath(shape, i),
    partitionValues: { day: dayOf(shape, i) },
    size: 500 + (i % 100),
    modificationTime: modificationTime(versionOf(shape, i)),
    dataChange: true,
    stats: STATS,
  };
  return JSON.stringify({ add });
}

const PROTOCOL = { minReaderVersion: 1, minWriterVersion: 2 };
const METADATA = {
  id: 'big-table-0000',
  format: { provider: 'parquet', options: {} },
  schemaString: SCHEMA,
  partitionColumns: ['day'],
  configuration: { 'delta.checkpointInterval': '100' },
  createdTime: CREATED,
};

function commitText(shape: BigTableShape, version: number): string {
  const lines = [JSON.stringify({ commitInfo: { timestamp: modificationTime(version), operation: 'WRITE', operationParameters: { mode: 'Append' } } })];
  if (version === 0) lines.push(JSON.stringify({ protocol: PROTOCOL }), JSON.stringify({ metaData: METADATA }));
  for (let i = version * perCommit(shape); i < (version + 1) * perCommit(shape); i++) lines.push(addAction(shape, i));
  return `${lines.join('\n')}\n`;
}

const versionName = (version: number) => String(version).padStart(20, '0');

/** The newest checkpoint version of the table, or -1 when it has none. */
export function checkpointVersionOf(shape: BigTableShape): number {
  const latest = shape.commits - 1;
  return latest < shape.checkpointInterval ? -1 : latest - (latest % shape.checkpointInterval);
}

/** Writes the table into `dir` (which should be empty). */
export async function writeBigDeltaTable(dir: string, shape: BigTableShape): Promise<void> {
  if (!Number.isInteger(perCommit(shape))) throw new Error('files must be a multiple of commits');
  const log = path.join(dir, '_delta_log');
  await mkdir(log, { recursive: true });
  const checkpoint = checkpointVersionOf(shape);
  await mapWithConcurrency(
    Array.from({ length: shape.commits }, (_, v) => v),
    32,
    (v) => writeFile(path.join(log, `${versionName(v)}.json`), commitText(shape, v)),
  );
  if (checkpoint >= 0) await writeCheckpoint(log, shape, checkpoint);
  if (shape.dataDays) await writeDataFiles(dir, shape, new Set(shape.dataDays));
}

const MAP = 'MAP(VARCHAR, VARCHAR)';
const DV = 'STRUCT(storageType VARCHAR, pathOrInlineDv VARCHAR, "offset" INTEGER, sizeInBytes INTEGER, cardinality BIGINT)';
const TYPES = {
  txn: 'STRUCT(appId VARCHAR, version BIGINT, lastUpdated BIGINT)',
  add: `STRUCT(path VARCHAR, partitionValues ${MAP}, size BIGINT, modificationTime BIGINT, dataChange BOOLEAN, stats VARCHAR, tags ${MAP}, deletionVector ${DV})`,
  remove: `STRUCT(path VARCHAR, deletionTimestamp BIGINT, dataChange BOOLEAN, extendedFileMetadata BOOLEAN, partitionValues ${MAP}, size BIGINT, tags ${MAP}, deletionVector ${DV})`,
  metaData: `STRUCT(id VARCHAR, name VARCHAR, description VARCHAR, format STRUCT(provider VARCHAR, options ${MAP}), schemaString VARCHAR, partitionColumns VARCHAR[], configuration ${MAP}, createdTime BIGINT)`,
  protocol: 'STRUCT(minReaderVersion INTEGER, minWriterVersion INTEGER, readerFeatures VARCHAR[], writerFeatures VARCHAR[])',
};

/** One checkpoint row: the given column set, every other column null (as the checkpoint schema has it). */
function row(column: keyof typeof TYPES, value: string, from = ''): string {
  const columns = Object.entries(TYPES).map(([name, type]) => `${name === column ? value : 'NULL'}::${type} AS "${name}"`);
  return `SELECT ${columns.join(', ')} ${from}`;
}

async function writeCheckpoint(log: string, shape: BigTableShape, version: number): Promise<void> {
  const adds = (version + 1) * perCommit(shape);
  const parts = Math.max(1, Math.ceil(adds / shape.partRows));
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  const day = `strftime(DATE '2024-01-01' + (i % ${shape.days})::INTEGER, '%Y-%m-%d')`;
  const add = `{'path': 'day=' || ${day} || '/part-' || lpad(i::VARCHAR, 7, '0') || '.parquet', 'partitionValues': MAP {'day': ${day}},
    'size': 500 + i % 100, 'modificationTime': ${CREATED} + (i // ${perCommit(shape)}) * 1000, 'dataChange': false,
    'stats': ${quoteLiteral(STATS)}, 'tags': NULL, 'deletionVector': NULL}`;
  const metaData = `{'id': ${quoteLiteral(METADATA.id)}, 'name': NULL, 'description': NULL, 'format': {'provider': 'parquet', 'options': MAP {}},
    'schemaString': ${quoteLiteral(SCHEMA)}, 'partitionColumns': ['day'], 'configuration': MAP {'delta.checkpointInterval': '100'}, 'createdTime': ${CREATED}}`;
  const protocol = `{'minReaderVersion': 1, 'minWriterVersion': 2, 'readerFeatures': NULL, 'writerFeatures': NULL}`;
  try {
    for (let part = 1; part <= parts; part++) {
      const [from, to] = [(part - 1) * shape.partRows, Math.min(adds, part * shape.partRows)];
      const selects = [row('add', add, `FROM range(${from}, ${to}) t(i)`)];
      if (part === 1) selects.unshift(row('protocol', protocol), row('metaData', metaData));
      const name = parts === 1 ? `${versionName(version)}.checkpoint.parquet` : `${versionName(version)}.checkpoint.${String(part).padStart(10, '0')}.${String(parts).padStart(10, '0')}.parquet`;
      await duck.run(`COPY (${selects.join(' UNION ALL ')}) TO ${quoteLiteral(path.join(log, name))} (FORMAT parquet, COMPRESSION snappy)`);
    }
  } finally {
    duck.closeSync();
  }
  const hint = { version, size: adds + 2, ...(parts > 1 && { parts }) };
  await writeFile(path.join(log, '_last_checkpoint'), JSON.stringify(hint));
}

async function writeDataFiles(dir: string, shape: BigTableShape, days: Set<number>): Promise<void> {
  const template = path.join(dir, '_template.parquet');
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  try {
    await duck.run(`COPY (SELECT range::BIGINT AS id FROM range(${ROWS_PER_FILE})) TO ${quoteLiteral(template)} (FORMAT parquet)`);
  } finally {
    duck.closeSync();
  }
  for (const d of days) await mkdir(path.join(dir, `day=${dayOf(shape, d)}`), { recursive: true });
  await mapWithConcurrency(
    Array.from({ length: shape.files }, (_, i) => i).filter((i) => days.has(i % shape.days)),
    32,
    (i) => copyFile(template, path.join(dir, filePath(shape, i))),
  );
  await rm(template);
}
