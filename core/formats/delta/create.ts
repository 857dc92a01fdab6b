/**
 * The actions of version 0 of a new Delta table: a protocol and a metaData. Commit them with
 * `commit(store, {actions, readVersion: -1, operation: 'CREATE TABLE', …})`.
 */
import { randomUUID } from 'node:crypto';
import { LakebenchError } from '../../errors';
import type { Action, StructType } from './actions';

export interface NewTableOptions {
  schema: StructType;
  partitionColumns: string[];
  name?: string;
  configuration?: Record<string, string>;
}

/**
 * Reader 1 / writer 2 is the oldest protocol that every Delta reader (Spark, delta-rs, DuckDB's
 * delta extension, Trino) opens; Lakebench writes no feature that needs more.
 */
const NEW_TABLE_PROTOCOL = { minReaderVersion: 1, minWriterVersion: 2 };

export function newTableActions(opts: NewTableOptions): Action[] {
  const columnNames = new Set(opts.schema.fields.map((f) => f.name));
  for (const column of opts.partitionColumns) {
    if (!columnNames.has(column)) {
      throw new LakebenchError('USAGE', `partition column "${column}" is not in the schema`);
    }
  }
  return [
    { protocol: { ...NEW_TABLE_PROTOCOL } },
    {
      metaData: {
        id: randomUUID(),
        ...(opts.name !== undefined && { name: opts.name }),
        format: { provider: 'parquet', options: {} },
        schemaString: JSON.stringify(opts.schema),
        partitionColumns: [...opts.partitionColumns],
        configuration: { ...opts.configuration },
        createdTime: Date.now(),
      },
    },
  ];
}
