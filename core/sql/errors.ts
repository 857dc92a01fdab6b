/** DuckDB failures → LakebenchError, keyed on DuckDB's "<Kind> Error: …" message prefix. */
import { isLakebenchError, LakebenchError, type ErrorCode } from '../errors';

function codeFor(message: string): ErrorCode {
  if (/^INTERRUPT Error/i.test(message)) return 'CANCELLED';
  if (/^IO Error/i.test(message)) return 'IO';
  if (/^(Invalid Input|Conversion) Error: .*(parquet|footer|magic bytes)/is.test(message)) return 'CORRUPT';
  // Parser, Binder, Catalog, Conversion …: the query text is what needs fixing.
  return 'USAGE';
}

export function sqlError(e: unknown, object?: string): LakebenchError {
  if (isLakebenchError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const code = codeFor(message);
  return new LakebenchError(code, code === 'CANCELLED' ? 'query was cancelled' : message, { object, cause: e });
}

export function cancelledError(object?: string): LakebenchError {
  return new LakebenchError('CANCELLED', 'query was cancelled', { object });
}
