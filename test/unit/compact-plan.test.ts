import { describe, expect, it } from 'vitest';
import type { AddFile } from '../../core/formats/delta/actions';
import { binPack, inBusyPartitions, planGroups, smallFiles } from '../../core/ops/compact-plan';

const file = (name: string, size: number, p: string | null = null, modificationTime = 0): AddFile => ({
  path: name,
  partitionValues: { p },
  size,
  modificationTime,
  dataChange: true,
});
const names = (bins: AddFile[][]) => bins.map((bin) => bin.map((f) => f.path));
const schemaA = { signature: 'a', columns: ['id'] };
const schemaB = { signature: 'b', columns: ['id', 'w'] };

describe('compaction planning', () => {
  it('packs next-fit in write order, closing a bin before it would pass the target', () => {
    const files = [file('c', 40, null, 3), file('a', 60, null, 1), file('b', 30, null, 2), file('d', 50, null, 4), file('e', 10, null, 5)];
    expect(names(binPack(files, 100))).toEqual([['a', 'b'], ['c', 'd', 'e']]);
  });

  it('takes files under the target, and any file with a deletion vector (its rewrite drops the deleted rows)', () => {
    const dv = { ...file('dv', 500), deletionVector: { storageType: 'u' } };
    expect(smallFiles([file('big', 100), file('small', 99), dv], 100).map((f) => f.path)).toEqual(['small', 'dv']);
  });

  it('rewrites a file with a deletion vector even alone in its partition', () => {
    const dv = { ...file('dv', 10, 'a'), deletionVector: { storageType: 'u' } };
    expect(inBusyPartitions([dv, file('b1', 1, 'b')], ['p'], 2).map((f) => f.path)).toEqual(['dv']);
    const groups = planGroups([{ add: dv, schema: schemaA }], ['p'], { targetSize: 100, minFiles: 2 });
    expect(groups.map((g) => g.bins.map((b) => b.map((f) => f.path)))).toEqual([[['dv']]]);
  });

  it('keeps only partitions with enough small files, reading "" as null', () => {
    const files = [file('a1', 1, 'a'), file('a2', 1, 'a'), file('n1', 1, null), file('n2', 1, ''), file('b1', 1, 'b')];
    expect(inBusyPartitions(files, ['p'], 2).map((f) => f.path)).toEqual(['a1', 'a2', 'n1', 'n2']);
  });

  it('groups by partition and schema, drops groups under min-files and bins of one file', () => {
    const members = [
      { add: file('a1', 10, 'a'), schema: schemaA },
      { add: file('a2', 10, 'a'), schema: schemaA },
      { add: file('a3', 10, 'a'), schema: schemaB },
      { add: file('a4', 10, 'a'), schema: schemaB },
      { add: file('b1', 95, 'b'), schema: schemaA },
      { add: file('b2', 95, 'b'), schema: schemaA },
      { add: file('n1', 10, ''), schema: schemaA },
    ];
    const groups = planGroups(members, ['p'], { targetSize: 100, minFiles: 2 });
    expect(groups.map((g) => ({ partition: g.partition, schema: g.schema.signature, bins: names(g.bins) }))).toEqual([
      { partition: { p: 'a' }, schema: 'a', bins: [['a1', 'a2']] },
      { partition: { p: 'a' }, schema: 'b', bins: [['a3', 'a4']] },
    ]);
  });
});
