/**
 * Argument validation for every WorkbenchApi method, applied by the transports (Electron IPC in main,
 * the local server) before a call reaches the engine: a renderer is untrusted input. Unknown keys are
 * dropped; wrong types and sizes are refused with USAGE.
 */
import { z } from 'zod';
import { qualityCheckSchema } from '../quality/rules';
import { LakebenchError } from '../errors';
import { IMPORT_FORMATS, IMPORT_MODES } from './types';
import type { WorkbenchMethod } from './workbench';

const text = z.string().max(4096);
const name = z.string().min(1).max(256);
const count = z.number().int().min(0);

const locationOptions = {
  endpoint: z.url().max(2048).optional(),
  region: z.string().max(64).optional(),
  profile: z.string().max(256).optional(),
  connectionId: z.string().max(64).optional(),
};
const location = z.object({ location: text.min(1), ...locationOptions });
/** A version as its table's format names it (a number, a 64-bit id, `tag:<name>`, `branch:<name>`); the format checks it. */
const versionText = z.string().min(1).max(256);
const version = { version: versionText.optional(), asOf: z.string().min(1).max(64).optional() };
const table = location.extend(version);
/** A page of a long list (files, partitions): the page size caps what one answer carries. */
const paged = table.extend({ offset: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(10_000).optional() });
const binding = table.extend({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).max(128) });
const sort = z.array(z.object({ column: name, descending: z.boolean().optional() })).max(16).optional();
const queryId = z.object({ queryId: z.string().min(1).max(128) });
const empty = z.object({});
const bucket = z.string().min(1).max(255);
const prefix = z.string().max(1024).optional();
const secret = z.string().max(4096);
/** A catalog connection's name is the SQL name its tables are queried under. */
const sqlName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'letters, digits and _ (it names the catalog in SQL)').max(128);

const connectionInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('local'), id: z.string().max(64).optional(), name, path: text.min(1) }),
  z.object({
    kind: z.literal('s3'),
    id: z.string().max(64).optional(),
    name,
    bucket,
    prefix,
    region: z.string().max(64).optional(),
    accessKeyId: secret.optional(),
    secretAccessKey: secret.optional(),
    sessionToken: secret.optional(),
    profile: z.string().max(256).optional(),
  }),
  z.object({
    kind: z.literal('r2'),
    id: z.string().max(64).optional(),
    name,
    accountId: z.string().regex(/^[A-Za-z0-9]{1,64}$/),
    bucket,
    prefix,
    accessKeyId: secret,
    secretAccessKey: secret,
  }),
  z.object({
    kind: z.literal('s3-compatible'),
    id: z.string().max(64).optional(),
    name,
    endpoint: z.url().max(2048),
    bucket,
    prefix,
    region: z.string().max(64).optional(),
    accessKeyId: secret,
    secretAccessKey: secret,
  }),
  z.object({
    kind: z.literal('iceberg-sql'),
    id: z.string().max(64).optional(),
    name: sqlName,
    path: text.min(1),
    catalogName: z.string().max(255).optional(),
  }),
  z.object({
    kind: z.literal('iceberg-rest'),
    id: z.string().max(64).optional(),
    name: sqlName,
    uri: z.url().max(2048),
    warehouse: z.string().max(255).optional(),
    token: secret.optional(),
    credential: secret.optional(),
  }),
]);
const connectionId = z.object({ id: z.string().min(1).max(64) });

/**
 * A connection to test: a form's input (it has a kind) or a saved connection's id, told apart by `kind`
 * before validating, so that a form with empty fields hears which (a plain union says only "Invalid input").
 */
const connectionToTest = z.unknown().transform((value, ctx) => {
  const isInput = typeof value === 'object' && value !== null && 'kind' in value;
  const parsed = isInput ? connectionInput.safeParse(value) : connectionId.safeParse(value);
  if (parsed.success) return parsed.data;
  for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  return z.NEVER;
});

const millis = z.number().int().min(0);
const dryRun = z.boolean().optional();
const compactOptions = { targetSize: z.number().int().min(1).optional(), minFiles: z.number().int().min(1).optional() };
/** A rule list as a rules file holds it; unknown check types are reported per check when run. */
const qualityRules = z.array(qualityCheckSchema).max(500);

const maintenanceJob = z.discriminatedUnion('operation', [
  location.extend({
    operation: z.literal('compact'),
    ...compactOptions,
    where: z.string().min(1).max(100_000).optional(),
    sortBy: z.array(name).max(16).optional(),
    dryRun,
  }),
  location.extend({ operation: z.literal('compact-staging'), into: text.min(1).optional(), lakeside: z.boolean().optional(), dryRun }),
  location.extend({ operation: z.literal('verify'), deep: z.boolean().optional() }),
  location.extend({ operation: z.literal('orphans'), olderThanMs: millis.optional() }),
  location.extend({ operation: z.literal('vacuum'), retentionMs: millis.optional(), force: z.boolean().optional(), dryRun }),
  location.extend({
    operation: z.literal('repack'),
    purgeWhere: z.string().min(1).max(100_000).optional(),
    purge: z.boolean().optional(),
    dropCorrupt: z.boolean().optional(),
    recompressLevel: z.number().int().min(1).max(22).optional(),
    dryRun,
  }),
  location.extend({ operation: z.literal('checkpoint') }),
  location.extend({ operation: z.literal('expire'), logRetentionMs: millis.optional(), dryRun }),
  location.extend({
    operation: z.literal('des-repack'),
    shard: text.min(1).optional(),
    minDeletionRatio: z.number().min(0).max(1).optional(),
    recompressLevel: z.number().int().min(1).max(22).optional(),
    graceMs: millis.optional(),
    dryRun,
  }),
  location.extend({ operation: z.literal('rewrite-manifests'), targetSize: compactOptions.targetSize, dryRun }),
  location.extend({
    operation: z.literal('maintain'),
    ...compactOptions,
    retentionMs: millis.optional(),
    logRetentionMs: millis.optional(),
    force: z.boolean().optional(),
    dryRun,
  }),
]);

export const workbenchArgs: Record<WorkbenchMethod, z.ZodType> = {
  lsPage: location.extend({ prefix, token: z.string().max(4096).optional(), limit: z.number().int().min(1).max(1000).optional() }),
  tables: location,
  history: table,
  files: paged,
  partitions: paged,
  schema: table,
  manifests: table,
  manifestFiles: table.extend({ manifest: text.min(1) }),
  preview: location.extend({ key: text.min(1), limit: z.number().int().min(1).max(1000).optional() }),
  compareVersions: location.extend({ from: versionText, to: versionText }),
  diffRows: location.extend({
    from: versionText,
    to: versionText,
    key: z.array(text.min(1)).max(32).optional(),
    limit: z.number().int().min(0).max(1000).optional(),
  }),
  queryStart: z.object({
    sql: z.string().min(1).max(1_000_000),
    queryId: z.string().min(1).max(128).optional(),
    tables: z.array(binding).max(100).optional(),
    lake: location.optional(),
    firstPageRows: z.number().int().min(1).max(10_000).optional(),
  }),
  queryPage: queryId.extend({ offset: count, limit: z.number().int().min(1).max(10_000), sort }),
  queryCancel: queryId,
  queryClose: queryId,
  queryRowCount: queryId,
  queryProfile: queryId.extend({ summaryOnly: z.boolean().optional() }),
  complete: z.object({ sql: z.string().max(1_000_000), cursor: count, tables: z.array(binding).max(100).optional() }),
  queryHistory: z.object({ search: z.string().max(1000).optional(), limit: z.number().int().min(1).max(10_000).optional() }),
  savedQueries: empty,
  saveQuery: z.object({ id: z.number().int().optional(), name, sql: z.string().max(1_000_000) }),
  removeSavedQuery: z.object({ id: z.number().int() }),
  exportResult: queryId.extend({
    format: z.enum(['csv', 'parquet', 'json']),
    path: text.min(1),
    overwrite: z.boolean().optional(),
    sort,
  }),
  importFiles: location.extend({
    inputs: z.array(text.min(1)).min(1).max(10_000),
    format: z.enum(IMPORT_FORMATS).optional(),
    partitionBy: z.array(name).max(16).optional(),
    mode: z.enum(IMPORT_MODES).optional(),
    key: z.array(name).max(16).optional(),
    auditColumns: z.boolean().optional(),
    badRowsPath: text.optional(),
  }),
  deleteWhere: location.extend({ where: z.string().min(1).max(100_000) }),
  jobs: empty,
  jobCancel: z.object({ jobId: z.string().min(1).max(128) }),
  maintenanceStart: maintenanceJob,
  maintenanceLog: z.object({
    location: text.min(1).optional(),
    connectionId: z.string().max(64).optional(),
    limit: z.number().int().min(1).max(10_000).optional(),
  }),
  desArchive: location,
  desEntries: location.extend({ shard: text.min(1) }),
  desEntry: location.extend({ uid: text.min(1), includeDeleted: z.boolean().optional(), limit: z.number().int().min(1).max(16 * 1024 * 1024).optional() }),
  desExport: location.extend({ uid: text.min(1), includeDeleted: z.boolean().optional(), path: text.min(1), overwrite: z.boolean().optional() }),
  lakeSyncSummary: location,
  lakesideSummary: location,
  qualityRun: location.extend({ version: versionText.optional(), rules: qualityRules }),
  qualityRules: location.extend({ limit: z.number().int().min(1).max(10_000).optional() }),
  saveQualityRules: location.extend({ rules: qualityRules }),
  qualityHistory: location.extend({ limit: z.number().int().min(1).max(10_000).optional() }),
  connections: empty,
  saveConnection: connectionInput,
  testConnection: connectionToTest,
  removeConnection: connectionId,
  workspace: z.object({ withoutTables: z.boolean().optional() }),
  openWorkspace: z.object({ location: text.min(1), connectionId: z.string().max(64).optional(), withoutTables: z.boolean().optional() }),
  doctor: empty,
};

/** Zod's text for a required field left out, as zod 4 words it. */
const MISSING = /received undefined$/;

/** The validated arguments of `method`, or a USAGE error saying what is wrong (never echoing values). */
export function parseWorkbenchArgs(method: WorkbenchMethod, args: unknown): unknown {
  const parsed = workbenchArgs[method].safeParse(args ?? {});
  if (parsed.success) return parsed.data;
  // Fields left out are named together ("missing endpoint, bucket"), the way a form's user reads them.
  const missing = parsed.error.issues.filter((i) => i.path.length > 0 && MISSING.test(i.message)).map((i) => i.path.join('.'));
  const other = parsed.error.issues.filter((i) => !(i.path.length > 0 && MISSING.test(i.message)));
  const problems = [...(missing.length ? [`missing ${missing.join(', ')}`] : []), ...other.map((i) => `${i.path.join('.') || 'arguments'}: ${i.message}`)].join('; ');
  throw new LakebenchError('USAGE', `bad arguments for ${method}: ${problems}`);
}
