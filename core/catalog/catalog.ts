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

  close(): void {
    this.db.close();
  }
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
