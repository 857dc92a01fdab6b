/**
 * The workbench's rows in the catalog (tables of migration 2): connections, saved queries, the job log
 * and settings. Its own better-sqlite3 handle on the catalog file: the Catalog class keeps the query
 * history; WAL lets both handles work side by side.
 */
import type Database from 'better-sqlite3';
import { LakebenchError } from '../errors';
import type { ConnectionKind, JobInfo, MaintenanceSubject, SavedQuery } from './workbench';
import { openCatalogDatabase } from '../catalog/database';

export interface ConnectionRow {
  id: string;
  name: string;
  kind: ConnectionKind;
  /** Everything but the secret. */
  settings: Record<string, string | undefined>;
  secret?: Uint8Array;
  createdAt: string;
}

interface ConnectionRecord {
  id: string;
  name: string;
  kind: ConnectionKind;
  settings: string;
  secret: Buffer | null;
  created_at: string;
}

export class WorkbenchStore {
  private constructor(private readonly db: Database.Database) {}

  static open(path: string): WorkbenchStore {
    return new WorkbenchStore(openCatalogDatabase(path));
  }

  connections(): ConnectionRow[] {
    const rows = this.db.prepare('SELECT * FROM connections ORDER BY name, id').all() as ConnectionRecord[];
    return rows.map(toConnectionRow);
  }

  connection(id: string): ConnectionRow | undefined {
    const row = this.db.prepare('SELECT * FROM connections WHERE id = ?').get(id) as ConnectionRecord | undefined;
    return row && toConnectionRow(row);
  }

  putConnection(row: ConnectionRow): void {
    this.db
      .prepare(
        `INSERT INTO connections (id, name, kind, settings, secret, created_at) VALUES (@id, @name, @kind, @settings, @secret, @createdAt)
         ON CONFLICT (id) DO UPDATE SET name = @name, kind = @kind, settings = @settings, secret = @secret`,
      )
      .run({ ...row, settings: JSON.stringify(row.settings), secret: row.secret ? Buffer.from(row.secret) : null });
  }

  removeConnection(id: string): boolean {
    return this.db.prepare('DELETE FROM connections WHERE id = ?').run(id).changes > 0;
  }

  savedQueries(): SavedQuery[] {
    return this.db
      .prepare('SELECT id, name, sql, updated_at AS updatedAt FROM saved_queries ORDER BY name, id')
      .all() as SavedQuery[];
  }

  saveQuery(query: { id?: number; name: string; sql: string }): SavedQuery {
    const updatedAt = new Date().toISOString();
    if (query.id === undefined) {
      const { lastInsertRowid } = this.db
        .prepare('INSERT INTO saved_queries (name, sql, updated_at) VALUES (?, ?, ?)')
        .run(query.name, query.sql, updatedAt);
      return { id: Number(lastInsertRowid), name: query.name, sql: query.sql, updatedAt };
    }
    const { changes } = this.db
      .prepare('UPDATE saved_queries SET name = ?, sql = ?, updated_at = ? WHERE id = ?')
      .run(query.name, query.sql, updatedAt, query.id);
    if (changes === 0) throw new LakebenchError('NOT_FOUND', `no saved query with id ${query.id}`);
    return { id: query.id, name: query.name, sql: query.sql, updatedAt };
  }

  removeSavedQuery(id: number): void {
    this.db.prepare('DELETE FROM saved_queries WHERE id = ?').run(id);
  }

  /** Records a job's current state (insert on start, update when it ends). */
  logJob(job: JobInfo): void {
    this.db
      .prepare(
        `INSERT INTO job_log (id, kind, title, state, started_at, finished_at, error, result, subject)
         VALUES (@jobId, @kind, @title, @state, @startedAt, @finishedAt, @error, @result, @subject)
         ON CONFLICT (id) DO UPDATE SET state = @state, finished_at = @finishedAt, error = @error, result = @result`,
      )
      .run({
        jobId: job.jobId,
        kind: job.kind,
        title: job.title,
        state: job.state,
        startedAt: job.startedAt,
        finishedAt: job.finishedAt ?? null,
        error: job.error ?? null,
        result: job.result === undefined ? null : JSON.stringify(job.result),
        subject: job.subject === undefined ? null : JSON.stringify(job.subject),
      });
  }

  /** Past jobs, newest first. */
  jobLog(limit = 100): JobInfo[] {
    const rows = this.db.prepare('SELECT * FROM job_log ORDER BY started_at DESC LIMIT ?').all(limit) as {
      id: string;
      kind: JobInfo['kind'];
      title: string;
      state: JobInfo['state'];
      started_at: string;
      finished_at: string | null;
      error: string | null;
      result: string | null;
      subject: string | null;
    }[];
    return rows.map((r) => ({
      jobId: r.id,
      kind: r.kind,
      title: r.title,
      // A job the log still shows as running was cut off by a restart.
      state: r.state === 'running' ? 'failed' : r.state,
      startedAt: r.started_at,
      ...(r.finished_at !== null && { finishedAt: r.finished_at }),
      ...(r.error !== null ? { error: r.error } : r.state === 'running' ? { error: 'interrupted: the engine stopped' } : {}),
      ...(r.result !== null && { result: JSON.parse(r.result) as unknown }),
      ...(r.subject !== null && { subject: JSON.parse(r.subject) as MaintenanceSubject }),
    }));
  }

  setting<T>(key: string): T | undefined {
    const row = this.db.prepare('SELECT value FROM settings WHERE key = ?').get(key) as { value: string } | undefined;
    return row && (JSON.parse(row.value) as T);
  }

  setSetting(key: string, value: unknown): void {
    this.db
      .prepare('INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value')
      .run(key, JSON.stringify(value));
  }

  close(): void {
    this.db.close();
  }
}

function toConnectionRow(r: ConnectionRecord): ConnectionRow {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    settings: JSON.parse(r.settings) as Record<string, string | undefined>,
    ...(r.secret && { secret: new Uint8Array(r.secret) }),
    createdAt: r.created_at,
  };
}
