/** The check types of the lakehouse-orchestrator (formats.md §5); no Node imports, so the renderer can use it. */
export const CHECK_TYPES = [
  'uniqueness',
  'not_null',
  'accepted_values',
  'positive',
  'range',
  'row_count_range',
  'no_future_dates',
  'custom_sql',
] as const;
export type CheckType = (typeof CHECK_TYPES)[number];
