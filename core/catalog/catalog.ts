import Database from 'better-sqlite3';
import { openCatalogDatabase } from './database';

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
  /** Shared by the steps of one `maintain` run. */
  runId: string;
  /** ISO-8601 UTC, when the run started. */
  executedAt: string;
  durationMs: number;
  dryRun: boolean;
}

export interface MaintenanceLogEntry extends MaintenanceLogInput {
  id: number;
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
           files_before, files_after, run_id, executed_at, duration_ms, dry_run)
         VALUES (@tableName, @operation, @status, @details, @snapshotsBefore, @snapshotsAfter,
           @filesBefore, @filesAfter, @runId, @executedAt, @durationMs, @dryRun)`,
      )
      .run({
        ...entry,
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
      runId: r.run_id,
      executedAt: r.executed_at,
      durationMs: r.duration_ms,
      dryRun: r.dry_run === 1,
    }));
  }

  close(): void {
    this.db.close();
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
