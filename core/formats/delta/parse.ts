/**
 * Commit files (`_delta_log/<v>.json`): one JSON action per line. Parsing is strict: a line that is
 * not a JSON object (a truncated upload, a garbage byte) or a known action missing the fields replay
 * relies on fails the whole file with CORRUPT naming the file and the line, because skipping it
 * would silently show a different table.
 */
import { LakebenchError } from '../../errors';
import type { Action } from './actions';

const KNOWN_ACTIONS = ['add', 'remove', 'metaData', 'protocol', 'txn', 'domainMetadata', 'commitInfo'] as const;
type KnownAction = (typeof KNOWN_ACTIONS)[number];

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The fields without which an action cannot be replayed; returns what is wrong, or undefined. */
function missingField(kind: KnownAction, body: Json): string | undefined {
  const need = (field: string, type: 'string' | 'number' | 'object'): string | undefined => {
    const value = body[field];
    const ok = type === 'object' ? isObject(value) : typeof value === type;
    return ok ? undefined : `"${kind}.${field}" must be a${type === 'object' ? 'n' : ''} ${type}`;
  };
  switch (kind) {
    case 'add':
      return need('path', 'string') ?? need('size', 'number') ?? need('partitionValues', 'object');
    case 'remove':
      return need('path', 'string');
    case 'metaData':
      return need('id', 'string') ?? need('schemaString', 'string');
    case 'protocol':
      return need('minReaderVersion', 'number') ?? need('minWriterVersion', 'number');
    case 'txn':
      return need('appId', 'string') ?? need('version', 'number');
    case 'domainMetadata':
      return need('domain', 'string') ?? need('configuration', 'string');
    case 'commitInfo':
      return undefined;
  }
}

function actionOf(line: Json): Action | string {
  const kind = KNOWN_ACTIONS.find((k) => k in line);
  if (!kind) return { other: line };
  const body = line[kind];
  if (!isObject(body)) return `"${kind}" must be an object`;
  return missingField(kind, body) ?? ({ [kind]: body } as Action);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parseCommit(bytes: Uint8Array, objectUrl: string): Action[] {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch (e) {
    throw new LakebenchError('CORRUPT', 'commit file is not valid UTF-8', { object: objectUrl, cause: e });
  }
  const actions: Action[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch (e) {
      throw corruptLine(objectUrl, i, `is not valid JSON (${(e as Error).message})`, e);
    }
    if (!isObject(parsed)) throw corruptLine(objectUrl, i, 'is not a JSON object');
    const action = actionOf(parsed);
    if (typeof action === 'string') throw corruptLine(objectUrl, i, action);
    actions.push(action);
  }
  return actions;
}

function corruptLine(objectUrl: string, index: number, problem: string, cause?: unknown): LakebenchError {
  return new LakebenchError('CORRUPT', `${objectUrl}: line ${index + 1} ${problem}`, { object: objectUrl, cause });
}

/** Newline-delimited JSON with the protocol's field names, one action a line (no trailing newline, like Spark). */
export function serializeActions(actions: Action[]): string {
  return actions.map((action) => JSON.stringify('other' in action ? action.other : action)).join('\n');
}
