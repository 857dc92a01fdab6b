/** `table@version` in SQL text: bare references quoted into view names, quoted ones found, strings and comments left alone. */
import { describe, expect, it } from 'vitest';
import { versionsInSql } from '../../core/sql/versions-in-sql';

describe('versionsInSql', () => {
  it('turns bare and quoted references into views named by their text', () => {
    const { sql, refs } = versionsInSql('select * from events@3 a join "events@2026-11-20T10:00:00Z" b using (id) join orders@tag:nightly c using (id)');
    expect(sql).toBe('select * from "events@3" a join "events@2026-11-20T10:00:00Z" b using (id) join "orders@tag:nightly" c using (id)');
    expect(refs).toEqual([
      { view: 'events@3', table: 'events', version: '3' },
      { view: 'events@2026-11-20T10:00:00Z', table: 'events', asOf: '2026-11-20T10:00:00.000Z' },
      { view: 'orders@tag:nightly', table: 'orders', version: 'tag:nightly' },
    ]);
  });

  it("reads a catalog table's qualified name before the version as the table", () => {
    const { sql, refs } = versionsInSql('select * from prod.zoo.bunnies@42 join orders@3 using (id)');
    expect(sql).toBe('select * from "prod.zoo.bunnies@42" join "orders@3" using (id)');
    expect(refs).toEqual([
      { view: 'prod.zoo.bunnies@42', table: 'prod.zoo.bunnies', version: '42' },
      { view: 'orders@3', table: 'orders', version: '3' },
    ]);
  });

  it('reads quoted names and a quoted time before and after the @', () => {
    const { sql, refs } = versionsInSql(`select * from "events"@3 a join "prod"."Db".events@tag:x b using (id) join events@'2026-11-20 10:00:00' c using (id)`);
    expect(sql).toBe('select * from "events@3" a join "prod.Db.events@tag:x" b using (id) join "events@2026-11-20 10:00:00" c using (id)');
    expect(refs).toEqual([
      { view: 'events@3', table: 'events', version: '3' },
      { view: 'prod.Db.events@tag:x', table: 'prod.Db.events', version: 'tag:x' },
      { view: 'events@2026-11-20 10:00:00', table: 'events', asOf: new Date('2026-11-20 10:00:00').toISOString() },
    ]);
  });

  it('refuses a quoted version that names none, naming the table', () => {
    expect(() => versionsInSql("select * from events@'yesterday'")).toThrow(/^events@'yesterday': not a version/);
  });

  it('names each view once however often it is referenced', () => {
    expect(versionsInSql('select * from t@1 except all select * from t@1').refs).toEqual([{ view: 't@1', table: 't', version: '1' }]);
  });

  it('leaves strings, comments, quoted names without a version and plain SQL alone', () => {
    const text = "select 'events@3' as s, \"weird@name\" from t -- events@4\n/* events@5 */ where x = @ -2";
    expect(versionsInSql(text)).toEqual({ sql: text, refs: [] });
  });
});
