/**
 * Writers for query results and listings: aligned text tables, CSV (RFC 4180 quoting) and a streamed
 * JSON array. Each writer takes chunks as they arrive and writes through a sink, so big results never sit
 * in memory; the sink is process.stdout in the CLI and a string buffer in tests.
 */
import type { ResultChunk } from '../api/types';

export type OutputFormat = 'table' | 'csv' | 'json';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'csv', 'json'];

export type Sink = (text: string) => void;

export interface ChunkWriter {
  write(chunk: ResultChunk): void;
  /** Finishes the output (closes the JSON array). */
  end(): void;
}

/** A cell as text: null → '' (CSV) or 'NULL' (table); objects and arrays as JSON. */
export function cellText(value: unknown, nullText = ''): string {
  if (value === null || value === undefined) return nullText;
  if (typeof value === 'string') return value;
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** One CSV field, quoted only when it holds a delimiter, quote or line break. */
export function csvField(value: unknown): string {
  const text = cellText(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(values: readonly unknown[]): string {
  return values.map(csvField).join(',') + '\n';
}

/** Rows as aligned columns; widths come from the header and `widthRows`, longer cells later just overflow. */
export class TextTable {
  private readonly widths: number[];
  private readonly rightAligned: boolean[];

  constructor(
    private readonly headers: string[],
    widthRows: readonly (readonly unknown[])[],
  ) {
    this.widths = headers.map((h, i) => Math.max(h.length, ...widthRows.map((r) => cellText(r[i], 'NULL').length)));
    this.rightAligned = headers.map((_, i) => widthRows.some((r) => typeof r[i] === 'number' || typeof r[i] === 'bigint'));
  }

  header(): string {
    return this.line(this.headers) + this.widths.map((w) => '-'.repeat(w)).join('  ') + '\n';
  }

  rows(rows: readonly (readonly unknown[])[]): string {
    return rows.map((r) => this.line(r)).join('');
  }

  private line(values: readonly unknown[]): string {
    const cells = this.widths.map((w, i) => {
      const text = cellText(values[i], 'NULL');
      return this.rightAligned[i] ? text.padStart(w) : text.padEnd(w);
    });
    return cells.join('  ').trimEnd() + '\n';
  }
}

/** A whole (small) table at once: for listings such as `ls` and `history`. */
export function renderTable(headers: string[], rows: readonly (readonly unknown[])[]): string {
  const table = new TextTable(headers, rows);
  return table.header() + table.rows(rows);
}

export function createChunkWriter(format: OutputFormat, out: Sink): ChunkWriter {
  switch (format) {
    case 'table':
      return tableWriter(out);
    case 'csv':
      return csvWriter(out);
    case 'json':
      return jsonArrayWriter(out);
  }
}

function tableWriter(out: Sink): ChunkWriter {
  let table: TextTable | undefined;
  return {
    write(chunk) {
      if (!table) {
        table = new TextTable(
          chunk.columns.map((c) => c.name),
          chunk.rows,
        );
        out(table.header());
      }
      out(table.rows(chunk.rows));
    },
    end() {},
  };
}

function csvWriter(out: Sink): ChunkWriter {
  let headerDone = false;
  return {
    write(chunk) {
      if (!headerDone) {
        out(csvLine(chunk.columns.map((c) => c.name)));
        headerDone = true;
      }
      for (const row of chunk.rows) out(csvLine(row));
    },
    end() {},
  };
}

/**
 * `[\n{…},\n{…}\n]`: valid JSON as a whole, one row object per line while it streams. Nothing is
 * written before the first row or end(), so a query failing up front leaves stdout empty.
 */
function jsonArrayWriter(out: Sink): ChunkWriter {
  let count = 0;
  return {
    write(chunk) {
      const names = chunk.columns.map((c) => c.name);
      for (const row of chunk.rows) {
        const record = Object.fromEntries(names.map((n, i) => [n, row[i]]));
        out((count++ === 0 ? '[\n' : ',\n') + JSON.stringify(record));
      }
    },
    end() {
      out(count === 0 ? '[]\n' : '\n]\n');
    },
  };
}
