import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { LakebenchError } from '../errors';
import { migrate } from './migrations';

/**
 * Opens the app's SQLite file, migrated to the current schema. WAL so the UI can read while a job
 * writes; a busy timeout because the CLI and the app may share the file.
 */
export function openCatalogDatabase(path: string): Database.Database {
  let db: Database.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    db = new Database(path);
  } catch (e) {
    throw new LakebenchError('IO', `cannot open catalog: ${(e as Error).message}`, { object: path, cause: e });
  }
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 5000');
  migrate(db);
  return db;
}
