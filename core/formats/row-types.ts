/** Row shapes shared by the readers in formats/ and the jobs in ops/ that consume them. */

/** An input row that is not taken: where it is and why. */
export interface BadRow {
  file: string;
  /** 1-based line number in the file (the CSV header is line 1). */
  line: number;
  error: string;
  raw: string;
}

/** A column of a DuckDB relation. */
export interface ColumnType {
  name: string;
  /** DuckDB type as DESCRIBE prints it, e.g. `BIGINT`, `DECIMAL(10,2)`, `STRUCT(a BIGINT)`. */
  type: string;
}
