/**
 * Expansion of the import's `inputs` (paths or globs) into a sorted list of local files.
 * Hand-written because Node 20 has no stable glob (fs.glob is Node 22+, path.matchesGlob prints an
 * experimental warning) and no glob library is a dependency. Supports `*`, `?` and `**` segments.
 */
import { readdir, stat } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { LakebenchError } from '../errors';

export type InputFormat = 'csv' | 'json' | 'ndjson' | 'parquet';

export async function expandInputs(inputs: string[]): Promise<string[]> {
  if (inputs.length === 0) throw new LakebenchError('USAGE', 'no input files given');
  const files: string[] = [];
  for (const input of inputs) {
    const matched = hasGlob(input) ? await matchGlob(input) : await existingFile(input);
    if (matched.length === 0) throw new LakebenchError('NOT_FOUND', 'no input file matches', { object: input });
    files.push(...matched);
  }
  return [...new Set(files)];
}

/** The format named by a file's extension (`.gz` is looked through: DuckDB decompresses it). */
export function formatOfPath(path: string): InputFormat {
  const name = path.toLowerCase().replace(/\.(gz|zst)$/, '');
  if (name.endsWith('.csv') || name.endsWith('.tsv')) return 'csv';
  if (name.endsWith('.ndjson') || name.endsWith('.jsonl')) return 'ndjson';
  if (name.endsWith('.json')) return 'json';
  if (name.endsWith('.parquet')) return 'parquet';
  throw new LakebenchError('USAGE', 'cannot tell the input format from the file name; pass a format', {
    object: path,
  });
}

function hasGlob(path: string): boolean {
  return /[*?]/.test(path);
}

async function existingFile(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => undefined);
  if (!info) return [];
  if (!info.isFile()) throw new LakebenchError('USAGE', 'input is not a file', { object: path });
  return [resolve(path)];
}

async function matchGlob(pattern: string): Promise<string[]> {
  const absolute = resolve(pattern).split(sep).join('/');
  const segments = absolute.split('/');
  const firstGlob = segments.findIndex(hasGlob);
  const base = segments.slice(0, firstGlob).join('/') || '/';
  const matcher = globToRegExp(segments.slice(firstGlob).join('/'));
  const entries = await readdir(base, { recursive: true, withFileTypes: true }).catch(() => []);
  const matches: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const full = join(entry.parentPath, entry.name);
    const rel = relative(base, full).split(sep).join('/');
    if (!isAbsolute(rel) && matcher.test(rel)) matches.push(full);
  }
  return matches.sort();
}

/** `**` spans folders, `*` and `?` stay within one path segment. */
function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (glob.startsWith('**/', i)) {
      source += '(?:.*/)?';
      i += 2;
    } else if (glob.startsWith('**', i)) {
      source += '.*';
      i += 1;
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
