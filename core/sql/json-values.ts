/**
 * DuckDB values → JSON-friendly JS values, in one converter used for every result row:
 * - BIGINT/HUGEINT and unsigned kin: a number when it is a safe integer, else a decimal string;
 * - DECIMAL: a string with its exact digits (a double would round);
 * - DATE: `YYYY-MM-DD`; TIMESTAMP (no zone): `YYYY-MM-DDTHH:MM:SS[.ffffff]`;
 *   TIMESTAMP WITH TIME ZONE: the same in UTC with a trailing `Z`; ±infinity as `infinity`/`-infinity`;
 * - BLOB: base64;
 * - everything else (strings, doubles, lists, structs, maps, intervals, UUIDs) as @duckdb/node-api's
 *   Json converter renders it, with nested values passed back through this converter.
 */
import {
  DuckDBBlobValue,
  DuckDBDecimalValue,
  DuckDBTimestampTZValue,
  DuckDBTimestampValue,
  DuckDBTypeId,
  JsonDuckDBValueConverter,
  type DuckDBType,
  type DuckDBValue,
} from '@duckdb/node-api';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/** `2024-01-02 03:04:05.123456` ⇒ `2024-01-02T03:04:05.123456`; `infinity` stays as it is. */
function isoFromDuckDBText(text: string): string {
  return text.replace(/^(\d+-\d\d-\d\d) /, '$1T');
}

function safeInteger(value: bigint): number | string {
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
}

export function toJsonValue(value: DuckDBValue, type: DuckDBType): JsonValue {
  if (value === null || value === undefined) return null;
  switch (type.typeId) {
    case DuckDBTypeId.BIGINT:
    case DuckDBTypeId.UBIGINT:
    case DuckDBTypeId.HUGEINT:
    case DuckDBTypeId.UHUGEINT:
      return safeInteger(value as bigint);
    case DuckDBTypeId.DECIMAL:
      return (value as DuckDBDecimalValue).toString();
    case DuckDBTypeId.TIMESTAMP:
    case DuckDBTypeId.TIMESTAMP_S:
    case DuckDBTypeId.TIMESTAMP_MS:
    case DuckDBTypeId.TIMESTAMP_NS:
      return isoFromDuckDBText(String(value));
    case DuckDBTypeId.TIMESTAMP_TZ: {
      // Printed through the zone-less class so the text is UTC whatever the process time zone is.
      const utc = new DuckDBTimestampValue((value as DuckDBTimestampTZValue).micros).toString();
      return /^\d/.test(utc) ? `${isoFromDuckDBText(utc)}Z` : utc;
    }
    case DuckDBTypeId.BLOB:
      return Buffer.from((value as DuckDBBlobValue).bytes).toString('base64');
    default:
      return JsonDuckDBValueConverter(value, type, toJsonValue) as JsonValue;
  }
}
