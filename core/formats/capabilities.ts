/**
 * The checks every caller makes before using a table: does its format offer this view, support this
 * operation (in this variant)? A refusal names the view or operation and the format, and comes before
 * anything is read or written.
 */
import { LakebenchError } from '../errors';
import type { OperationSupport, TableFormat, TableOperation, TableView } from './table-format';

export function offersView(format: TableFormat, view: TableView): boolean {
  return format.capabilities.views.includes(view);
}

export function requireView(format: TableFormat, view: TableView, object: string): void {
  if (!offersView(format, view)) {
    throw new LakebenchError('UNSUPPORTED_OPERATION', `${view}: not available for ${format.title}`, { object });
  }
}

/** Operations that create a table where there is none (a Delta table, written by import or compact-staging). */
const CREATES_TABLE: ReadonlySet<TableOperation> = new Set(['import', 'compact-staging']);

/**
 * Whether `operation` must ask `format` at all: an operation that creates a table may find the data
 * files of its own first write cut short before the commit, which only data-file detection (a Parquet
 * folder) would take for a table; crash safety asks that such a run can be made again.
 */
export function formatDecides(format: TableFormat, operation: TableOperation): boolean {
  return !(format.toldByDataFiles && CREATES_TABLE.has(operation));
}

/**
 * How `format` supports `operation`, when it does in the `variant` the caller implements (none = the
 * usual one); else UNSUPPORTED_OPERATION, e.g. `compact: not supported for Iceberg tables`.
 */
export function requireOperation(
  format: TableFormat,
  operation: TableOperation,
  object: string,
  variant?: OperationSupport['variant'],
): OperationSupport {
  const support = format.capabilities.operations[operation];
  if (!support) throw new LakebenchError('UNSUPPORTED_OPERATION', `${operation}: not supported for ${format.title}`, { object });
  if (support.variant !== variant) {
    const theirs = support.variant ? `${format.title} take the ${support.variant} variant` : `${format.title} take the usual one`;
    throw new LakebenchError('UNSUPPORTED_OPERATION', `${operation}${variant ? ` (${variant})` : ''}: not supported this way; ${theirs}`, { object });
  }
  return support;
}
