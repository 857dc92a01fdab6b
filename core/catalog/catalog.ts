import type Database from 'better-sqlite3';
import { openCatalogDatabase } from './database';
import type { QualityResult } from '../quality/run';

export type QueryStatus = 'ok' | 'error' | 'cancelled';

export interface QueryHistoryInput {
  sql: string;
  /** Table specs as given (`name=location@version`). */
  tables: string[];
  /** ISO-8601 UTC. */
  startedAt: string;
  durationMs: number;
  rows: number;
  status: QueryStatus;
  error?: string;
}

export interface QueryHistoryEntry extends QueryHistoryInput {
  id: number;
}

export interface HistoryFilter {
  /** Substring (case-insensitive) of the SQL text or the table specs. */
  search?: string;
  /** Newest first; default 100. */
  limit?: number;
}

export type MaintenanceStatus = 'ok' | 'failed' | 'cancelled' | 'problems';

/** One maintenance run as the catalog's maintenance log holds it (formats.md §5 plus duration and dry run). */
export interface MaintenanceLogInput {
  /** URL of the table or location. */
  tableName: string;
  operation: string;
  /** 'problems': verify or orphans ran and found something. */
  status: MaintenanceStatus;
  /** The operation's result, or `{error, code, object}` when it failed or was cancelled. */
  details: unknown;
  /** Table versions readable from the log; null when the location is not a (readable) Delta table. */
  snapshotsBefore: number | null;
  snapshotsAfter: number | null;
  /** Live files at the latest version; null as above. */
  filesBefore: number | null;
  filesAfter: number | null;
  /** The current version (a Delta version, an Iceberg snapshot id); null or absent as above. */
  versionBefore?: string | null;
  versionAfter?: string | null;
  /** Shared by the steps of one `maintain` run. */
  runId: string;
  /** ISO-8601 UTC, when the run started. */
  executedAt: string;
  durationMs: number;
  dryRun: boolean;
}

export interface MaintenanceLogEntry extends MaintenanceLogInput {
  id: number;
  versionBefore: string | null;
  versionAfter: string | null;
}

export interface MaintenanceLogFilter {
  /** Only runs on this table (its URL). */
  tableName?: string;
  /** Newest first; default 100. */
  limit?: number;
}

interface MaintenanceLogRow {
  id: number;
  table_name: string;
  operation: string;
  status: MaintenanceStatus;
  details: string | null;
  snapshots_before: number | null;
  snapshots_after: number | null;
  files_before: number | null;
  files_after: number | null;
  version_before: string | null;
  version_after: string | null;
  run_id: string;
  executed_at: string;
  duration_ms: number;
  dry_run: number;
}

interface QueryHistoryRow {
  id: number;
  sql: string;
  tables: string;
  started_at: string;
  duration_ms: number;
  rows: number;
  status: QueryStatus;
  error: string | null;
}

/** The app's own state in one SQLite file (WAL, so the UI can read while a job writes). */
export class Catalog {
  private constructor(
    private readonly db: Database.Database,
    readonly path: string,
  ) {}

  static open(path: string): Catalog {
    return new Catalog(openCatalogDatabase(path), path);
  }

  /** Schema version (number of migrations applied). */
  get schemaVersion(): number {
    return this.db.pragma('user_version', { simple: true }) as number;
  }

  addHistory(entry: QueryHistoryInput): number {
    const result = this.db
      .prepare(
        `INSERT INTO query_history (sql, tables, started_at, duration_ms, rows, status, error)
         VALUES (@sql, @tables, @startedAt, @durationMs, @rows, @status, @error)`,
      )
      .run({ ...entry, tables: JSON.stringify(entry.tables), error: entry.error ?? null });
    return Number(result.lastInsertRowid);
  }

  listHistory(filter: HistoryFilter = {}): QueryHistoryEntry[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM query_history
         WHERE @pattern IS NULL OR sql LIKE @pattern ESCAPE '\\' OR tables LIKE @pattern ESCAPE '\\'
         ORDER BY started_at DESC, id DESC LIMIT @limit`,
      )
      .all({ pattern: filter.search ? `%${escapeLike(filter.search)}%` : null, limit: filter.limit ?? 100 }) as QueryHistoryRow[];
    return rows.map((r) => ({
      id: r.id,
      sql: r.sql,
      tables: JSON.parse(r.tables) as string[],
      startedAt: r.started_at,
      durationMs: r.duration_ms,
      rows: r.rows,
      status: r.status,
      ...(r.error === null ? {} : { error: r.error }),
    }));
  }

  addMaintenance(entry: MaintenanceLogInput): number {
    const result = this.db
      .prepare(
        `INSERT INTO maintenance_log (table_name, operation, status, details, snapshots_before, snapshots_after,
           files_before, files_after, version_before, version_after, run_id, executed_at, duration_ms, dry_run)
         VALUES (@tableName, @operation, @status, @details, @snapshotsBefore, @snapshotsAfter,
           @filesBefore, @filesAfter, @versionBefore, @versionAfter, @runId, @executedAt, @durationMs, @dryRun)`,
      )
      .run({
        ...entry,
        versionBefore: entry.versionBefore ?? null,
        versionAfter: entry.versionAfter ?? null,
        details: entry.details === undefined ? null : JSON.stringify(entry.details),
        dryRun: entry.dryRun ? 1 : 0,
      });
    return Number(result.lastInsertRowid);
  }

  listMaintenance(filter: MaintenanceLogFilter = {}): MaintenanceLogEntry[] {
    const rows = this.db
      .prepare(
        `SELECT * FROM maintenance_log WHERE @tableName IS NULL OR table_name = @tableName
         ORDER BY executed_at DESC, id DESC LIMIT @limit`,
      )
      .all({ tableName: filter.tableName ?? null, limit: filter.limit ?? 100 }) as MaintenanceLogRow[];
    return rows.map((r) => ({
      id: r.id,
      tableName: r.table_name,
      operation: r.operation,
      status: r.status,
      details: r.details === null ? undefined : (JSON.parse(r.details) as unknown),
      snapshotsBefore: r.snapshots_before,
      snapshotsAfter: r.snapshots_after,
      filesBefore: r.files_before,
      filesAfter: r.files_after,
      versionBefore: r.version_before,
      versionAfter: r.version_after,
      runId: r.run_id,
      executedAt: r.executed_at,
      durationMs: r.duration_ms,
      dryRun: r.dry_run === 1,
    }));
  }

  addQualityResults(run: QualityRunInput): void {
    const insert = this.db.prepare(
      `INSERT INTO quality_results (run_id, table_name, table_version, check_name, check_type, column_name, status,
         failing_rows, total_rows, details, failing_sample, executed_at)
       VALUES (@runId, @tableName, @tableVersion, @check_name, @check_type, @column_name, @status,
         @failing_rows, @total_rows, @details, @sample, @executedAt)`,
    );
    this.db.transaction(() => {
      for (const r of run.results) insert.run({ ...r, runId: run.runId, tableName: run.tableName, tableVersion: run.tableVersion, executedAt: run.executedAt, sample: JSON.stringify(r.failing_sample) });
    })();
  }

  /** Results newest first, optionally of one table and one check. */
  listQualityResults(filter: { tableName?: string; checkName?: string; limit?: number } = {}): QualityResultEntry[] {
    const rows = this.db
      .prepare(
        // The version as text: an INTEGER column holds a 64-bit snapshot id exactly, a JS number would not.
        `SELECT *, CAST(table_version AS TEXT) AS table_version_text FROM quality_results
         WHERE (@tableName IS NULL OR table_name = @tableName) AND (@checkName IS NULL OR check_name = @checkName)
         ORDER BY executed_at DESC, id DESC LIMIT @limit`,
      )
      .all({ tableName: filter.tableName ?? null, checkName: filter.checkName ?? null, limit: filter.limit ?? 200 }) as QualityResultRow[];
    return rows.map(({ failing_sample, run_id, table_name, table_version: _number, table_version_text, executed_at, id: _id, ...result }) => ({
      ...result,
      failing_sample: JSON.parse(failing_sample) as QualityResultEntry['failing_sample'],
      runId: run_id,
      tableName: table_name,
      tableVersion: table_version_text,
      executedAt: executed_at,
    }));
  }

  saveQualityRules(tableName: string, rules: unknown[]): void {
    this.db
      .prepare(`INSERT INTO quality_rules (table_name, rules, updated_at) VALUES (?, ?, ?)
                ON CONFLICT (table_name) DO UPDATE SET rules = excluded.rules, updated_at = excluded.updated_at`)
      .run(tableName, JSON.stringify(rules), new Date().toISOString());
  }

  loadQualityRules(tableName: string): unknown[] | undefined {
    const row = this.db.prepare(`SELECT rules FROM quality_rules WHERE table_name = ?`).get(tableName) as { rules: string } | undefined;
    return row ? (JSON.parse(row.rules) as unknown[]) : undefined;
  }

  close(): void {
    this.db.close();
  }
}

/** One run of a rule set against a table version. */
export interface QualityRunInput {
  runId: string;
  tableName: string;
  tableVersion: string | null;
  executedAt: string;
  results: QualityResult[];
}

export interface QualityResultEntry extends QualityResult {
  runId: string;
  tableName: string;
  tableVersion: string | null;
  executedAt: string;
}

interface QualityResultRow extends Omit<QualityResult, 'failing_sample'> {
  id: number;
  run_id: string;
  table_name: string;
  table_version: number | null;
  table_version_text: string | null;
  executed_at: string;
  failing_sample: string;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
