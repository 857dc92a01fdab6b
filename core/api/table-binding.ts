/**
 * Text forms of table versions as users type them: `--version 3`, `--as-of 2026-11-20T10:00:00Z`, and
 * SQL bindings `name=location@3` / `name=location@2026-11-20T10:00:00Z`. Query history stores bindings in
 * the same text form, so what a user typed can be shown and run again.
 */
import { LakebenchError } from '../errors';
import type { SqlTableBinding } from './types';

export interface VersionSpec {
  version?: number;
  asOf?: string;
}

// A date, optionally with a time: what `@…` after a location must look like to be read as a timestamp.
const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/;
const SQL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseVersion(text: string): number {
  if (!/^\d+$/.test(text)) throw new LakebenchError('USAGE', `version must be a whole number ≥ 0, got "${text}"`);
  return Number(text);
}

/** Normalises an ISO-8601 timestamp (a date alone means midnight UTC). */
export function parseAsOf(text: string): string {
  const ms = ISO_TIMESTAMP.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(ms)) throw new LakebenchError('USAGE', `not an ISO-8601 timestamp: "${text}"`);
  return new Date(ms).toISOString();
}

export function versionSpec(options: { version?: string; asOf?: string }): VersionSpec {
  if (options.version !== undefined && options.asOf !== undefined) {
    throw new LakebenchError('USAGE', 'give either --version or --as-of, not both');
  }
  return {
    ...(options.version !== undefined && { version: parseVersion(options.version) }),
    ...(options.asOf !== undefined && { asOf: parseAsOf(options.asOf) }),
  };
}

/** `name=location[@version|@timestamp]`; an `@` not followed by a version or timestamp stays in the location. */
export function parseTableBinding(spec: string): SqlTableBinding {
  const eq = spec.indexOf('=');
  const name = spec.slice(0, eq);
  if (eq < 1 || !SQL_NAME.test(name) || eq === spec.length - 1) {
    throw new LakebenchError('USAGE', `--table wants name=location[@version|@timestamp], got "${spec}"`);
  }
  const target = spec.slice(eq + 1);
  const at = target.lastIndexOf('@');
  const suffix = at > 0 ? target.slice(at + 1) : '';
  // More digits than any table version reaches: a LakeSync HLC, kept as text (it exceeds 2^53).
  if (/^\d{16,19}$/.test(suffix)) return { name, location: target.slice(0, at), hlc: suffix };
  if (/^\d+$/.test(suffix)) return { name, location: target.slice(0, at), version: Number(suffix) };
  if (ISO_TIMESTAMP.test(suffix)) return { name, location: target.slice(0, at), asOf: parseAsOf(suffix) };
  return { name, location: target };
}

export function formatTableBinding(binding: SqlTableBinding): string {
  const at = binding.version !== undefined ? `@${binding.version}` : binding.asOf ? `@${binding.asOf}` : binding.hlc ? `@${binding.hlc}` : '';
  return `${binding.name}=${binding.location}${at}`;
}
