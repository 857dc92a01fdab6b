/**
 * From a scan plan to the input of the SQL view (view-sql.ts): the columns at the snapshot with their
 * defaults, each data file's local path, sequence number and partition, how its columns are found
 * (field ids, or the name mapping for files written without ids), identity-partition constants for
 * columns a file lacks, and the delete files and deletion vectors that apply.
 */
import { LakebenchError } from '../../errors';
import { FILE_CONTENT, partitionValue, type DataFile } from './manifests';
import type { PartitionSpec } from './metadata';
import { canonicalLocation } from './paths';
import type { ScanPlan } from './scan';
import { duckdbType, type Schema } from './schema';
import type { IcebergTable } from './table';
import { parseTransform, resultType } from './transforms';
import { fromAvro, fromJsonDefault, partitionKey, sqlLiteral, type IcebergValue } from './values';
import type { IcebergViewInput, ViewColumn, ViewDataFile } from './view-sql';

/** What a data file's footer holds: its top-level column ids (empty when written without ids) and names. */
export interface FileColumns {
  fieldIds: ReadonlySet<number>;
  names: ReadonlySet<string>;
}

export interface ViewInputOptions {
  /** Local path of a store key (in place for local tables, the cache for remote ones). */
  localPath: (key: string) => string;
  /**
   * Footer columns by local path. Needed only for tables with a name mapping (files imported without
   * field ids); without it every file is read by field id, which Iceberg writers always record.
   */
  footers?: ReadonlyMap<string, FileColumns>;
}

interface MappedField {
  'field-id'?: number;
  names: string[];
}

/** The table's `schema.name-mapping.default`: names by field id (top level). */
export function nameMapping(table: IcebergTable): Map<number, string[]> | undefined {
  const text = table.metadata.properties['schema.name-mapping.default'];
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new LakebenchError('CORRUPT', `table property schema.name-mapping.default is not JSON: ${(e as Error).message}`, {
      object: table.store.urlOf(table.metadataKey),
    });
  }
  const mapping = new Map<number, string[]>();
  for (const field of Array.isArray(parsed) ? (parsed as MappedField[]) : []) {
    if (typeof field['field-id'] === 'number' && Array.isArray(field.names)) mapping.set(field['field-id'], field.names);
  }
  return mapping;
}

export function viewColumns(schema: Schema, object: string): ViewColumn[] {
  return schema.fields.map((field) => {
    const type = duckdbType(field.type, field.name, object);
    const initial = fromJsonDefault(field['initial-default'], field.type, field.name);
    return { fieldId: field.id, name: field.name, duckdbType: type, missingSql: sqlLiteral(initial, field.type, field.name) };
  });
}

function isUnpartitioned(spec: PartitionSpec | undefined): boolean {
  return !spec || spec.fields.every((f) => parseTransform(f.transform).kind === 'void');
}

function fileKey(table: IcebergTable, file: DataFile): string {
  return partitionKey(
    file.specId,
    (table.specs.get(file.specId)?.fields ?? []).map((_, i) => partitionValue(file, table.specs.get(file.specId)!, i) as IcebergValue | null),
  );
}

/** Identity-partition values of the file, by source field id, as SQL literals of the column's type. */
function identityConstants(table: IcebergTable, file: DataFile, schema: Schema): Map<number, string> {
  const constants = new Map<number, string>();
  const spec = table.specs.get(file.specId);
  for (const [index, field] of (spec?.fields ?? []).entries()) {
    if (parseTransform(field.transform).kind !== 'identity') continue;
    const column = schema.fields.find((f) => f.id === field.sourceIds[0]);
    if (!column) continue;
    const value = fromAvro(partitionValue(file, spec!, index), resultType({ kind: 'identity' }, column.type));
    constants.set(column.id, sqlLiteral(value, column.type, column.name));
  }
  return constants;
}

export async function icebergViewInput(
  table: IcebergTable,
  schema: Schema,
  plan: ScanPlan,
  options: ViewInputOptions,
): Promise<IcebergViewInput> {
  const object = table.url;
  const columns = viewColumns(schema, object);
  const mapping = options.footers ? nameMapping(table) : undefined;
  const localOf = (file: DataFile) => options.localPath(table.paths.keyOf(file.path));

  const files: ViewDataFile[] = plan.tasks.map(({ file }) => {
    if (file.format !== 'PARQUET') {
      throw new LakebenchError('UNSUPPORTED_FEATURE', `data file ${file.path} is ${file.format}; Lakebench reads Parquet data files only`, { object });
    }
    const path = localOf(file);
    const view: ViewDataFile = {
      path,
      recordedPath: canonicalLocation(file.path),
      sequenceNumber: file.dataSequenceNumber,
      partitionKey: fileKey(table, file),
    };
    const footer = options.footers?.get(path);
    if (!footer) return view;
    const byIds = footer.fieldIds.size > 0;
    const physicalNames = new Map<number, string>();
    if (!byIds) {
      for (const column of schema.fields) {
        // Without a mapping, fall back to the column's name at the snapshot (what the file most likely used).
        const found = (mapping?.get(column.id) ?? [column.name]).find((name) => footer.names.has(name));
        if (found !== undefined) physicalNames.set(column.id, found);
      }
    }
    const has = (id: number) => (byIds ? footer.fieldIds.has(id) : physicalNames.has(id));
    const constants = new Map([...identityConstants(table, file, schema)].filter(([id]) => !has(id)));
    return { ...view, ...(!byIds && { physicalNames }), ...(constants.size > 0 && { constants }) };
  });

  const pathOf = new Map(plan.tasks.map(({ file }, i) => [file, files[i]!.path]));
  const deleteFiles = plan.deleteFiles;
  const vectors = await Promise.all(
    plan.tasks
      .filter((task) => task.deletionVector)
      .map(async (task) => ({ dataPath: pathOf.get(task.file)!, ranges: await table.deletionVector(task.deletionVector!) })),
  );
  const equalityDeletes = deleteFiles
    .filter((d) => d.content === FILE_CONTENT.equalityDeletes)
    .map((d) => {
      if (!d.equalityIds?.length) {
        throw new LakebenchError('CORRUPT', 'equality delete file lists no equality_ids', { object: table.store.urlOf(table.paths.keyOf(d.path)) });
      }
      return {
        path: localOf(d),
        sequenceNumber: d.dataSequenceNumber,
        ...(!isUnpartitioned(table.specs.get(d.specId)) && { partitionKey: fileKey(table, d) }),
        equalityIds: d.equalityIds,
      };
    });
  const equalityIds = new Set(equalityDeletes.flatMap((d) => d.equalityIds));
  // Equality columns are read by field id at the top level (read_parquet maps no nested ids).
  const topLevel = new Map(table.metadata.schemas.flatMap((s) => s.fields.map((f) => [f.id, f.type] as const)));
  const extraColumns = [...equalityIds]
    .filter((id) => !schema.fields.some((f) => f.id === id))
    .map((id) => {
      const type = topLevel.get(id);
      if (type === undefined) {
        throw new LakebenchError('UNSUPPORTED_FEATURE', `equality deletes compare field ${id}, which is no top-level column of any schema`, { object });
      }
      return { fieldId: id, name: `field_${id}`, duckdbType: duckdbType(type, `field ${id}`, object), missingSql: 'NULL' };
    });
  return {
    columns,
    files,
    positionDeletes: deleteFiles
      .filter((d) => d.content === FILE_CONTENT.positionDeletes && d.format !== 'PUFFIN')
      .map((d) => ({ path: localOf(d), sequenceNumber: d.dataSequenceNumber })),
    deletionVectors: vectors,
    equalityDeletes,
    extraColumns,
  };
}
