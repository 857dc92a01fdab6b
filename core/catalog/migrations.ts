import type { Database } from 'better-sqlite3';

/**
 * Schema changes of the catalog, in order. Migration N (1-based position) brings `PRAGMA user_version`
 * from N-1 to N. Never edit or reorder a shipped migration: users' catalogs already ran it; append a new one.
 */
export type Migration = (db: Database) => void;

export const migrations: readonly Migration[] = [
  // 1: every SQL query run through the API, for the history panel and `lakebench` search.
  (db) =>
    db.exec(`
      CREATE TABLE query_history (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        sql         TEXT    NOT NULL,
        tables      TEXT    NOT NULL DEFAULT '[]', -- JSON array of table specs
        started_at  TEXT    NOT NULL,              -- ISO-8601 UTC
        duration_ms INTEGER NOT NULL,
        rows        INTEGER NOT NULL DEFAULT 0,
        status      TEXT    NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
        error       TEXT
      );
      CREATE INDEX query_history_started_at ON query_history (started_at);
    `),
  // 2: the desktop workbench: saved connections (secrets sealed by a SecretBox), saved queries, the job
  // log and small settings such as the last opened workspace.
  (db) =>
    db.exec(`
      CREATE TABLE connections (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('local', 's3', 'r2', 's3-compatible')),
        settings    TEXT NOT NULL, -- JSON without secrets: path, bucket, prefix, endpoint, region, …
        secret      BLOB,          -- sealed JSON {accessKeyId, secretAccessKey, sessionToken?}
        created_at  TEXT NOT NULL
      );
      CREATE TABLE saved_queries (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT NOT NULL,
        sql         TEXT NOT NULL,
        updated_at  TEXT NOT NULL
      );
      CREATE TABLE job_log (
        id          TEXT PRIMARY KEY,
        kind        TEXT NOT NULL,
        title       TEXT NOT NULL,
        state       TEXT NOT NULL,
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        error       TEXT,
        result      TEXT -- JSON
      );
      CREATE TABLE settings (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL -- JSON
      );
    `),
  // 3: the maintenance log (formats.md §5's `_maintenance_log` fields plus duration and dry run): one row
  // per maintenance operation run on a table, whatever its outcome. Counts are null for a location that
  // is not a Delta table (a Parquet folder, a staging area) or whose log could not be read.
  (db) =>
    db.exec(`
      CREATE TABLE maintenance_log (
        id               INTEGER PRIMARY KEY AUTOINCREMENT,
        table_name       TEXT    NOT NULL, -- URL of the table (or location)
        operation        TEXT    NOT NULL,
        status           TEXT    NOT NULL CHECK (status IN ('ok', 'failed', 'cancelled', 'problems')),
        details          TEXT,             -- JSON: the result, or {error, code, object} of the failure
        snapshots_before INTEGER,          -- table versions readable from the log
        snapshots_after  INTEGER,
        files_before     INTEGER,          -- live files at the latest version
        files_after      INTEGER,
        run_id           TEXT    NOT NULL, -- shared by the steps of one maintain run
        executed_at      TEXT    NOT NULL, -- ISO-8601 UTC, when the run started
        duration_ms      INTEGER NOT NULL,
        dry_run          INTEGER NOT NULL DEFAULT 0 CHECK (dry_run IN (0, 1))
      );
      CREATE INDEX maintenance_log_executed_at ON maintenance_log (executed_at);
      CREATE INDEX maintenance_log_table ON maintenance_log (table_name, executed_at);
    `),
  // 4: data quality: each check's result per run (formats.md §5's `_quality_results` fields plus the table
  // version, the failing-row sample and the run id), and the rules kept with a table from the app.
  (db) =>
    db.exec(`
      CREATE TABLE quality_results (
        id             INTEGER PRIMARY KEY AUTOINCREMENT,
        run_id         TEXT    NOT NULL,
        table_name     TEXT    NOT NULL, -- URL of the table
        table_version  INTEGER,          -- null for a table without versions (a Parquet folder)
        check_name     TEXT    NOT NULL,
        check_type     TEXT    NOT NULL,
        column_name    TEXT,
        status         TEXT    NOT NULL CHECK (status IN ('passed', 'failed', 'error')),
        failing_rows   INTEGER NOT NULL,
        total_rows     INTEGER NOT NULL,
        details        TEXT,             -- at most 1,000 characters
        failing_sample TEXT    NOT NULL DEFAULT '[]', -- JSON: up to 20 failing rows
        executed_at    TEXT    NOT NULL  -- ISO-8601 UTC
      );
      CREATE INDEX quality_results_table ON quality_results (table_name, check_name, executed_at);
      CREATE TABLE quality_rules (
        table_name TEXT PRIMARY KEY,
        rules      TEXT NOT NULL, -- JSON list of checks {name, check_type, column_name?, params?}
        updated_at TEXT NOT NULL
      );
    `),
  // 5: Iceberg catalogs as connections (a SQL catalog's SQLite file, a REST catalog). SQLite cannot
  // change a CHECK in place: the table is rebuilt with its rows.
  (db) =>
    db.exec(`
      CREATE TABLE connections_5 (
        id          TEXT PRIMARY KEY,
        name        TEXT NOT NULL,
        kind        TEXT NOT NULL CHECK (kind IN ('local', 's3', 'r2', 's3-compatible', 'iceberg-sql', 'iceberg-rest')),
        settings    TEXT NOT NULL, -- JSON without secrets: path, bucket, prefix, endpoint, region, a catalog's uri, …
        secret      BLOB,          -- sealed JSON {accessKeyId, secretAccessKey, sessionToken?} or {token?, credential?}
        created_at  TEXT NOT NULL
      );
      INSERT INTO connections_5 SELECT id, name, kind, settings, secret, created_at FROM connections;
      DROP TABLE connections;
      ALTER TABLE connections_5 RENAME TO connections;
    `),
  // 6: the table's current version before and after each maintenance run (a Delta version, an Iceberg
  // snapshot id): text, as Iceberg's 64-bit ids do not fit a JavaScript number. Null as the counts are.
  (db) =>
    db.exec(`
      ALTER TABLE maintenance_log ADD COLUMN version_before TEXT;
      ALTER TABLE maintenance_log ADD COLUMN version_after TEXT;
    `),
  // 7: a maintenance job's operation and dry-run flag in the job log (JSON), so that its result can be
  // summarized after a restart or a reload of the app, when only the log knows the job.
  (db) => db.exec(`ALTER TABLE job_log ADD COLUMN subject TEXT;`),
];

/** Applies the migrations the database has not seen yet, each in its own transaction with its version bump. */
export function migrate(db: Database, list: readonly Migration[] = migrations): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  for (let version = current + 1; version <= list.length; version++) {
    db.transaction(() => {
      list[version - 1](db);
      db.pragma(`user_version = ${version}`);
    })();
  }
  return Math.max(current, list.length);
}
