/**
 * Where the paths in a Delta log point: `add.path`, `remove.path` and a `p` deletion vector's path are
 * URIs, relative to the table root or absolute (PROTOCOL.md, "Add File and Remove File"). Lakebench
 * reads objects by key under the table's store, so an absolute URI inside the table becomes that key;
 * one outside it (a shallow clone's files) is refused by name.
 */
import { LakebenchError } from '../../errors';
import { decodedPath } from './replay';

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** The store key of a path from the log, relative to the table whose root is `tableUrl`. */
export function tableKey(path: string, tableUrl: string, what = 'data file'): string {
  const canonical = decodedPath(path);
  if (!SCHEME.test(canonical) && !canonical.startsWith('/')) return canonical;
  const root = comparableUrl(decodedPath(tableUrl)).replace(/\/+$/, '');
  const absolute = comparableUrl(canonical);
  if (absolute.startsWith(`${root}/`)) return absolute.slice(root.length + 1);
  throw new LakebenchError('UNSUPPORTED_FEATURE', `${what} outside the table (absolute path ${path}) is not supported`, { object: tableUrl });
}

/** Spellings of one bucket's scheme made one (`s3a://`, `s3n://` → `s3://`). */
function comparableUrl(url: string): string {
  return url.replace(/^s3[an]:\/\//i, 's3://');
}
