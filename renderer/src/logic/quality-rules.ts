/**
 * The Quality tab's pure parts: rule params edited as text (a comma list, bounds, SQL) and back, and
 * past results arranged as one chart point per run with each check's failing_rows.
 */
import type { QualityCheck, QualityResultEntry } from '../../../core/api/workbench';

/** A bound typed in a field: a number when it reads as one, else text (a date, a string). */
export function boundValue(text: string): number | string | undefined {
  const trimmed = text.trim();
  if (trimmed === '') return undefined;
  return /^-?\d+(\.\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

export const acceptedText = (check: QualityCheck): string =>
  Array.isArray(check.params?.accepted) ? (check.params.accepted as unknown[]).join(', ') : '';

export function acceptedValues(text: string): (string | number)[] {
  return text
    .split(',')
    .map((v) => boundValue(v))
    .filter((v): v is string | number => v !== undefined);
}

/** Which fields a check type needs. */
export function fieldsOf(checkType: string): { column: boolean; params: 'accepted' | 'range' | 'count' | 'sql' | 'none' } {
  switch (checkType) {
    case 'accepted_values':
      return { column: true, params: 'accepted' };
    case 'range':
      return { column: true, params: 'range' };
    case 'row_count_range':
      return { column: false, params: 'count' };
    case 'custom_sql':
      return { column: false, params: 'sql' };
    default:
      return { column: true, params: 'none' };
  }
}

/** A fresh check name not used yet: `check_1`, `check_2`, … */
export function newCheckName(checks: QualityCheck[]): string {
  const used = new Set(checks.map((c) => c.name));
  for (let i = 1; ; i++) if (!used.has(`check_${i}`)) return `check_${i}`;
}

export interface HistoryPoint {
  /** `v<version> · <time>` of the run. */
  run: string;
  /** failing_rows by check name (absent: the check did not run then, or errored). */
  [check: string]: string | number;
}

/** One point per run, oldest first, with the failing rows of each check that passed or failed in it. */
export function historyPoints(entries: QualityResultEntry[]): { points: HistoryPoint[]; checks: string[] } {
  const runs = new Map<string, HistoryPoint>();
  const checks = new Set<string>();
  for (const e of [...entries].sort((a, b) => a.executedAt.localeCompare(b.executedAt))) {
    const label = `${e.tableVersion === null ? '' : `v${e.tableVersion} · `}${e.executedAt.slice(5, 16).replace('T', ' ')}`;
    const point = runs.get(e.runId) ?? { run: label };
    if (e.status !== 'error') {
      point[e.check_name] = e.failing_rows;
      checks.add(e.check_name);
    }
    runs.set(e.runId, point);
  }
  return { points: [...runs.values()], checks: [...checks].sort() };
}
