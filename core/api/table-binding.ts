/**
 * Text forms of table versions as users type them: `--version 3`, `--as-of 2026-11-20T10:00:00Z`, and
 * SQL bindings `name=location@3` / `@2026-11-20T10:00:00Z` / `@tag:nightly` / `@branch:audit`. What an id
 * (`@<digits>`) means is the table's format's to say (a Delta version, a LakeSync HLC, an Iceberg
 * snapshot id), so it stays text here. Query history stores bindings in the same text form, so what a
 * user typed can be shown and run again.
 */
import { LakebenchError } from '../errors';
import { isTimestampText, isVersionText, parseAsOf } from '../formats/version-ref';
import type { SqlTableBinding } from './types';

export interface VersionSpec {
  version?: string;
  asOf?: string;
}

const SQL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function versionSpec(options: { version?: string; asOf?: string }): VersionSpec {
  if (options.version !== undefined && options.asOf !== undefined) {
    throw new LakebenchError('USAGE', 'give either --version or --as-of, not both');
  }
  if (options.version !== undefined && options.version.trim() === '') throw new LakebenchError('USAGE', '--version wants a version');
  return {
    ...(options.version !== undefined && { version: options.version.trim() }),
    ...(options.asOf !== undefined && { asOf: parseAsOf(options.asOf) }),
  };
}

/** `name=location[@version|@timestamp|@tag:x|@branch:x]`; an `@` followed by none of these stays in the location. */
export function parseTableBinding(spec: string): SqlTableBinding {
  const eq = spec.indexOf('=');
  const name = spec.slice(0, eq);
  if (eq < 1 || !SQL_NAME.test(name) || eq === spec.length - 1) {
    throw new LakebenchError('USAGE', `--table wants name=location[@version|@timestamp], got "${spec}"`);
  }
  const target = spec.slice(eq + 1);
  const at = target.lastIndexOf('@');
  const suffix = at > 0 ? target.slice(at + 1) : '';
  if (isVersionText(suffix)) return { name, location: target.slice(0, at), version: suffix };
  if (isTimestampText(suffix)) return { name, location: target.slice(0, at), asOf: parseAsOf(suffix) };
  return { name, location: target };
}

export function formatTableBinding(binding: SqlTableBinding): string {
  const at = binding.version ?? binding.asOf;
  return `${binding.name}=${binding.location}${at === undefined ? '' : `@${at}`}`;
}
