/**
 * A DES shard archive as a TableFormat: no SQL view and no versions; the archive view (shards, entries,
 * tombstones) is its own, and its operations are verify, tombstone and repack.
 */
import type { ObjectStore } from '../../storage/types';
import type { TableFormat, TableHandle } from '../table-format';
import { unversionedRef } from '../version-ref';

class DesArchiveHandle implements TableHandle {
  readonly format = desFormat;

  constructor(readonly store: ObjectStore) {}
}

export const desFormat: TableFormat = {
  name: 'des',
  title: 'DES archives',
  capabilities: {
    views: ['archive'],
    versionRefs: [],
    operations: {
      verify: { note: "every entry decoded and checked against its sidecar's sha256" },
      'des-tombstone': {},
      'des-repack': {},
    },
  },

  async detect(folder) {
    return (await folder.find('', (o) => o.key.endsWith('.des'))) !== undefined;
  },

  parseVersion: unversionedRef,

  async open(store) {
    return new DesArchiveHandle(store);
  },

  async verify(store, options) {
    const { verifyArchive } = await import('../../ops/verify/des-archive');
    return verifyArchive(store, options);
  },
};
