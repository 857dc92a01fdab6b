import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type Database from 'better-sqlite3';
import { isLakebenchError, LakebenchError } from '../errors';
import { openSqlite } from '../native/sqlite-addon';
import { migrate } from './migrations';

/**
 * Opens the app's SQLite file, migrated to the current schema. WAL so the UI can read while a job
 * writes; a busy timeout because the CLI and the app may share the file.
 */
export function openCatalogDatabase(path: string): Database.Database {
  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = openSqlite(path);
  } catch (e) {
    if (isLakebenchError(e)) throw e;
    throw new LakebenchError('IO', `cannot open catalog: ${(e as Error).message}`, { object: path, cause: e });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}
