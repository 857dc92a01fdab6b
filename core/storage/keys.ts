import { LakebenchError } from '../errors';

/**
 * Key validation shared by every store. Keys are relative to the store root, `/`-separated, and may
 * never escape it: that is what makes "nothing is written outside the location" hold by construction.
 */

function refuse(key: string, rootUrl: string, why: string): never {
  throw new LakebenchError('OUTSIDE_LOCATION', `key ${JSON.stringify(key)} ${why}; keys must stay inside ${rootUrl}`, {
    object: rootUrl,
  });
}

function checkSegments(key: string, rootUrl: string, segments: string[]): void {
  for (const segment of segments) {
    if (segment === '') refuse(key, rootUrl, 'has an empty path segment');
    if (segment === '.' || segment === '..') refuse(key, rootUrl, `contains "${segment}"`);
  }
}

function checkCharacters(key: string, rootUrl: string): void {
  // A backslash is a separator on Windows and `\0` truncates paths in C APIs: both could smuggle an escape.
  if (key.includes('\\')) refuse(key, rootUrl, 'contains a backslash');
  if (key.includes('\0')) refuse(key, rootUrl, 'contains a NUL character');
  if (key.startsWith('/') || /^[A-Za-z]:/.test(key)) refuse(key, rootUrl, 'is absolute');
}

/** Validates an object key (non-empty, no `..`/`.`/empty segments, not absolute, no backslash) and returns it. */
export function normalizeKey(key: string, rootUrl: string): string {
  if (key === '') refuse(key, rootUrl, 'is empty');
  checkCharacters(key, rootUrl);
  checkSegments(key, rootUrl, key.split('/'));
  return key;
}

/**
 * Validates a listing prefix: like a key, but '' (everything) and a trailing `/` are allowed.
 * A prefix may end mid-name (`_delta_log/0000`), as on S3.
 */
export function normalizePrefix(prefix: string, rootUrl: string): string {
  if (prefix === '') return prefix;
  checkCharacters(prefix, rootUrl);
  const segments = prefix.split('/');
  if (prefix.endsWith('/')) segments.pop();
  checkSegments(prefix, rootUrl, segments);
  return prefix;
}

/** Joins key parts with single `/` separators; empty parts are skipped, outer slashes of parts trimmed. */
export function joinKey(...parts: string[]): string {
  return parts
    .map((part) => part.replace(/^\/+|\/+$/g, ''))
    .filter((part) => part !== '')
    .join('/');
}

/** The folder part of a key or prefix, with its trailing `/` ('' at the root): `a/b/c` ⇒ `a/b/`. */
export function dirOfKey(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}
