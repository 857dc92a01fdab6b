/**
 * Version texts as users type them (`@5`, `@2026-11-20T10:00:00Z`, `@tag:nightly`, `@branch:audit`,
 * `--version 3`, `--as-of …`) and the VersionRef each names. Times, tags and branches read the same for
 * every format; a bare id (`@<digits>`) means what the table's format says: a Delta version, a LakeSync
 * HLC, an Iceberg snapshot id. Whether the table travels that way at all is its capabilities' answer.
 */
import { LakebenchError } from '../errors';
import type { TableFormat, VersionRef, VersionRefKind } from './table-format';

// A date, optionally with a time: what a version text must look like to be read as a timestamp.
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;
const NAMED_REF = /^(tag|branch):(.+)$/;

export function isTimestampText(text: string): boolean {
  return ISO_TIMESTAMP.test(text);
}

/** True for text that names a version by id, tag or branch (what may follow `@` in a table binding). */
export function isVersionText(text: string): boolean {
  return /^\d+$/.test(text) || NAMED_REF.test(text);
}

/** Normalises an ISO-8601 timestamp (a date alone means midnight UTC). */
export function parseAsOf(text: string): string {
  const ms = ISO_TIMESTAMP.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new LakebenchError('USAGE', `not an ISO-8601 timestamp: "${text}"`);
  return new Date(ms).toISOString();
}

/** `tag:x`, `branch:y` or an ISO time; undefined for anything else (left to the format). */
export function commonVersionRef(text: string): VersionRef | undefined {
  const named = NAMED_REF.exec(text);
  if (named) return named[1] === 'tag' ? { kind: 'tag', name: named[2]! } : { kind: 'branch', name: named[2]! };
  if (ISO_TIMESTAMP.test(text)) return { kind: 'time', at: parseAsOf(text) };
  return undefined;
}

/** The text a ref is typed as (the inverse of parsing); undefined for the latest. */
export function versionRefText(ref: VersionRef): string | undefined {
  switch (ref.kind) {
    case 'latest':
      return undefined;
    case 'id':
      return ref.id;
    case 'time':
      return ref.at;
    case 'tag':
    case 'branch':
      return `${ref.kind}:${ref.name}`;
  }
}

const REF_WORDS: Record<VersionRefKind, string> = { id: 'version', time: 'time', tag: 'tag', branch: 'branch' };

/** Refuses a ref the format cannot travel to (USAGE, naming the format and the text). */
function requireRefKind(format: TableFormat, ref: VersionRef, text: string, object: string): VersionRef {
  if (ref.kind === 'latest' || format.capabilities.versionRefs.includes(ref.kind)) return ref;
  const how = format.capabilities.versionRefs.map((k) => REF_WORDS[k]).join(' or ');
  const can = how ? `they travel by ${how}` : 'they have no versions';
  throw new LakebenchError('USAGE', `@${text}: ${format.title} cannot be read at a ${REF_WORDS[ref.kind]}; ${can}`, { object });
}

/**
 * The ref that `version` (id, `tag:x`, `branch:y`) or `asOf` (ISO time) names for a table of `format`;
 * neither = the latest.
 */
export function versionRefOf(format: TableFormat, spec: { version?: string; asOf?: string }, object: string): VersionRef {
  if (spec.version !== undefined && spec.asOf !== undefined) {
    throw new LakebenchError('USAGE', 'give a version or a time to travel to, not both', { object });
  }
  if (spec.asOf !== undefined) return requireRefKind(format, { kind: 'time', at: parseAsOf(spec.asOf) }, spec.asOf, object);
  if (spec.version !== undefined) return requireRefKind(format, format.parseVersion(spec.version, object), spec.version, object);
  return { kind: 'latest' };
}

/** parseVersion of a format without versions: what the text would name; its capabilities (none) refuse it. */
export function unversionedRef(text: string): VersionRef {
  return commonVersionRef(text) ?? { kind: 'id', id: text };
}
