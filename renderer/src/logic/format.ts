/** Display formatting shared by the panes: sizes, times, counts. */
const BYTE_UNITS = ['B', 'KB', 'MB', 'GB', 'TB', 'PB'];

export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '';
  let value = bytes;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(value < 10 ? 1 : 0)} ${BYTE_UNITS[unit]}`;
}

export function formatCount(n: number | undefined): string {
  return n === undefined ? '' : n.toLocaleString('en-US');
}

/** `1 row`, `2 rows`, `1,000,000 rows`. */
export function countOf(n: number, noun: string): string {
  return `${formatCount(n)} ${n === 1 ? noun : `${noun}s`}`;
}

/** `2024-05-01 12:30:05` in the user's zone: dates in lists must be short and sortable by eye. */
export function formatDate(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 2 : 1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}

/** A grid cell's text: JSON values from the engine (objects for structs/lists, null as NULL). */
export function formatCell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Floating-point types, whose values carry binary noise (651470.0900000018) in their last digits. */
const FLOAT_TYPE = /^(DOUBLE|FLOAT|REAL)$/;
/** Significant digits a double is shown with: enough for any decimal a person typed, none of the noise. */
const SHOWN_DIGITS = 12;

/**
 * A grid cell's text for a column of `type`: doubles rounded to 12 significant digits unless `exact`
 * (651470.0900000018 → 651470.09), everything else as formatCell. Copies and the value viewer use exact.
 */
export function formatValue(value: unknown, type: string, exact = false): string {
  if (!exact && typeof value === 'number' && FLOAT_TYPE.test(type) && Number.isFinite(value)) {
    return String(Number(value.toPrecision(SHOWN_DIGITS)));
  }
  return formatCell(value);
}

/** `a, b ,c` → `['a', 'b', 'c']`: column lists typed into one field. */
export function splitList(text: string): string[] {
  return text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean);
}

/** A column type as a format gives it (a name, or Delta's struct/array/map object) as text. */
export function schemaTypeText(type: unknown): string {
  return typeof type === 'string' ? type : JSON.stringify(type);
}
