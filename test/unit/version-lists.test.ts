/** The versions completion keeps per table between keystrokes: one history read per table and connection, until cleared or stale. */
import { describe, expect, it } from 'vitest';
import type { VersionedTable } from '../../core/api/completion';
import { VersionLists } from '../../core/api/version-lists';

/** Lists whose reads are counted per table, on a clock the test moves. */
function counted() {
  const reads: string[] = [];
  let now = 0;
  const lists = new VersionLists(
    async (table: VersionedTable) => {
      reads.push(`${table.connectionId ?? '-'} ${table.location}`);
      return [String(reads.length)];
    },
    () => now,
  );
  return { lists, reads, later: (ms: number) => (now += ms) };
}

describe('VersionLists', () => {
  it('reads a table once while it is asked again and again', async () => {
    const { lists, reads } = counted();
    for (let i = 0; i < 5; i++) expect(await lists.of({ location: 's3://b/t', connectionId: 'c1' })).toEqual(['1']);
    expect(reads).toEqual(['c1 s3://b/t']);
  });

  it('keeps one list per table and connection', async () => {
    const { lists, reads } = counted();
    await lists.of({ location: 's3://b/t', connectionId: 'c1' });
    await lists.of({ location: 's3://b/t', connectionId: 'c2' });
    await lists.of({ location: 's3://b/u', connectionId: 'c1' });
    expect(reads).toEqual(['c1 s3://b/t', 'c2 s3://b/t', 'c1 s3://b/u']);
  });

  it('reads again once cleared or stale', async () => {
    const { lists, reads, later } = counted();
    await lists.of({ location: '/lake/t' });
    lists.clear();
    expect(await lists.of({ location: '/lake/t' })).toEqual(['2']);
    later(60_000);
    expect(await lists.of({ location: '/lake/t' })).toEqual(['3']);
    expect(reads).toHaveLength(3);
  });

  it('does not keep a read that failed', async () => {
    let fail = true;
    const lists = new VersionLists(async () => {
      if (fail) throw new Error('unreachable');
      return ['1'];
    });
    await expect(lists.of({ location: '/lake/t' })).rejects.toThrow('unreachable');
    fail = false;
    expect(await lists.of({ location: '/lake/t' })).toEqual(['1']);
  });
});
