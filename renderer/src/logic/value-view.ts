/**
 * What the value viewer shows for one cell: JSON pretty-printed (nested values, and text that holds a
 * JSON object or array), binary as a hex dump (BLOBs arrive base64-encoded), anything else as its text.
 */
import { formatCell } from './format';

export interface ValueView {
  kind: 'null' | 'json' | 'binary' | 'text';
  /** What to show. */
  text: string;
  /** A short line about it: `JSON`, `2,048 bytes`, `12,345 characters`. */
  summary: string;
}

/** Bytes shown in a hex dump; a longer value says how much it left out. */
const HEX_DUMP_BYTES = 4096;

function parsedJson(text: string): unknown {
  const trimmed = text.trim();
  if (!/^[[{]/.test(trimmed)) return undefined;
  try {
    return JSON.parse(trimmed) as unknown;
  } catch {
    return undefined;
  }
}

/** 16 bytes a line: offset, hex, printable ASCII, like `xxd`. */
export function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const line = bytes.subarray(offset, offset + 16);
    const hex = [...line].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...line].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

export function viewOf(value: unknown, type: string): ValueView {
  if (value === null || value === undefined) return { kind: 'null', text: 'NULL', summary: 'NULL' };
  if (type === 'BLOB' && typeof value === 'string') {
    const bytes = base64Bytes(value);
    const cut = bytes.length > HEX_DUMP_BYTES;
    const dump = hexDump(bytes.subarray(0, HEX_DUMP_BYTES));
    return { kind: 'binary', text: cut ? `${dump}\n…` : dump, summary: `${bytes.length.toLocaleString('en-US')} bytes${cut ? ` (first ${HEX_DUMP_BYTES} shown)` : ''}` };
  }
  const json = typeof value === 'object' ? value : typeof value === 'string' ? parsedJson(value) : undefined;
  if (json !== undefined) return { kind: 'json', text: JSON.stringify(json, null, 2), summary: `JSON ${Array.isArray(json) ? 'array' : 'object'}` };
  const text = formatCell(value);
  return { kind: 'text', text, summary: `${text.length.toLocaleString('en-US')} characters` };
}
