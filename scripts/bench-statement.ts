/**
 * `tsx scripts/bench-statement.ts`: what the app's grid costs per statement, printed as
 * `BENCH <name> <value> <unit>`.
 *
 *   app_statement_runs   executions of one statement (an aggregate over a 40-file Delta table) from Run to
 *                        its sorted page 2, counted by DuckDB's query log (goal: 1)
 *   app_statement_ratio  the time from Run to sorted page 2 ÷ one plain DuckDB run of the same statement
 *                        into a table, in the same run (medians, alternating)
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { QueryResults } from '../core/api/query-results';
import { DeltaTable } from '../core/formats/delta/table';
import { importFiles } from '../core/ops/import';
import { SqlSession } from '../core/sql/session';
import { LocalStore } from '../core/storage/local';
import { compare, report } from './bench-report';

const ROWS = 2_000_000;
const ROUNDS = 7;
const SQL = 'SELECT customer, sum(amount) AS total, count(*) AS n FROM orders GROUP BY customer';

const work = await mkdtemp(path.join(os.tmpdir(), 'lakebench-bench-statement-'));
try {
  const source = path.join(work, 'orders.csv');
  await writeFile(source, 'id,customer,amount,day\n');
  const setup = await SqlSession.create();
  await setup.run(
    `COPY (SELECT i AS id, 'c' || (i % 200000) AS customer, (i % 997) / 10 AS amount, i % 40 AS day FROM range(${ROWS}) t(i)) TO '${source}' (HEADER)`,
  );
  setup.close();
  const store = new LocalStore(path.join(work, 'orders'));
  await importFiles(store, { inputs: [source], partitionBy: ['day'] });
  const table = await DeltaTable.open(store);

  const results = new QueryResults();
  let session: SqlSession | undefined;
  const runToSortedPage2 = async () => {
    const started = await results.start({
      sql: SQL,
      openSession: async () => {
        session = await SqlSession.create();
        await session.run(`CALL enable_logging('QueryLog')`);
        await session.registerDelta('orders', table);
        return session;
      },
      onFinished: () => undefined,
    });
    await results.page({ queryId: started.queryId, offset: 100, limit: 100, sort: [{ column: 'total', descending: true }] });
    return started.queryId;
  };

  const queryId = await runToSortedPage2();
  const counted = await session!.query(`SELECT count(*)::INTEGER AS n FROM duckdb_logs WHERE type = 'QueryLog' AND contains(message, 'GROUP BY ' || 'customer')`);
  report('app_statement_runs', Number(counted.rows[0].n), 'runs');
  results.close(queryId);

  const plain = await SqlSession.create();
  await plain.registerDelta('orders', table);
  let n = 0;
  const [app, once] = await compare(
    ROUNDS,
    async () => results.close(await runToSortedPage2()),
    () => plain.run(`CREATE TEMP TABLE plain_${++n} AS ${SQL}`),
  );
  plain.close();
  report('app_statement_ratio', app / once, 'x');
} finally {
  await rm(work, { recursive: true, force: true });
}
