/**
 * Which rows of how many a paged tab shows (the Files and Partitions tabs ask the API for one page at a
 * time), with buttons to the first, previous, next and last page.
 */
import { formatCount } from '../logic/format';

export function Pager({ offset, shown, total, pageRows, onPage, testId }: {
  offset: number;
  /** Rows on the page shown. */
  shown: number;
  total: number;
  pageRows: number;
  onPage: (offset: number) => void;
  testId: string;
}) {
  const last = Math.max(0, Math.floor((total - 1) / pageRows) * pageRows);
  const range = total === 0 ? 'none' : `${formatCount(offset + 1)}–${formatCount(offset + shown)}`;
  const button = (label: string, title: string, to: number, enabled: boolean) => (
    <button className="link" onClick={() => onPage(to)} disabled={!enabled} title={title} data-testid={`${testId}-${title.split(' ')[0].toLowerCase()}`}>
      {label}
    </button>
  );
  return (
    <p className="row muted" data-testid={testId}>
      {button('«', 'First page', 0, offset > 0)}
      {button('‹', 'Previous page', Math.max(0, offset - pageRows), offset > 0)}
      <span data-testid={`${testId}-range`}>
        {range} of {formatCount(total)}
      </span>
      {button('›', 'Next page', offset + pageRows, offset < last)}
      {button('»', 'Last page', last, offset < last)}
    </p>
  );
}
