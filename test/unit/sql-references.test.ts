/**
 * Which registered tables a statement names (references.ts): one-part names anywhere outside strings
 * and comments, qualified names as dotted runs (quoted parts too), and `catalog.schema.table`
 * references to attached catalogs with the catalog's own spelling of namespace and table kept; and the
 * warehouse an R2 Data Catalog URI implies.
 */
import { describe, expect, it } from 'vitest';
import { impliedWarehouse } from '../../core/formats/iceberg/catalog/catalog';
import { catalogReferences, identifierChains, referencedNames } from '../../core/sql/references';

describe('referencedNames', () => {
  it('finds one-part names in any statement, case-insensitively, never inside strings or comments', () => {
    const sql = `CREATE VIEW v AS SELECT * FROM Orders; SELECT 'customers' -- items\n/* lines */ FROM "My Table"`;
    expect(referencedNames(sql, ['orders', 'customers', 'items', 'lines', 'my table'])).toEqual(['orders', 'my table']);
  });

  it('finds a qualified name only as a dotted run of its parts, quoted or not, spaces allowed', () => {
    const names = [['prod', 'db', 'events'], ['prod', 'a.b', 't'], ['prod', 'db', 'other']] as const;
    expect(referencedNames('select * from PROD . db."events" e join prod."a.b".t using (id)', names)).toEqual([names[0], names[1]]);
    expect(referencedNames('select events from db', names)).toEqual([]);
  });
});

describe('catalogReferences', () => {
  it('names each catalog table once, keeping namespace and table as written', () => {
    const sql = 'select * from r2.Sales.Events e join R2.sales.events f on true, r2."a.b".t, other.x.y, r2.only_two';
    expect(catalogReferences(sql, ['r2'])).toEqual([
      ['r2', 'Sales', 'Events'],
      ['r2', 'a.b', 't'],
    ]);
    expect(identifierChains(`select "x""y".z`).map((c) => c.parts)).toEqual([['select'], ['x"y', 'z']]);
  });
});

describe('R2 Data Catalog', () => {
  it('implies the warehouse <account>_<bucket> from its catalog URI, and nothing for other catalogs', () => {
    expect(impliedWarehouse(new URL('https://catalog.cloudflarestorage.com/0123abcd/lake'))).toBe('0123abcd_lake');
    expect(impliedWarehouse(new URL('https://polaris.example.com/api/catalog'))).toBeUndefined();
  });
});
