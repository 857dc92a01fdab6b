import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { mapWithConcurrency } from '../../core/storage/concurrency';
import type { ObjectStore } from '../../core/storage/types';

/** Copies a local folder tree into a store (e.g. a fixture table onto the loopback S3 server), 16 files at a time. */
export async function uploadFolder(localDir: string, store: ObjectStore, prefix = ''): Promise<void> {
  const entries = await readdir(path.join(localDir, prefix), { recursive: true, withFileTypes: true });
  const keys = entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(localDir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
  await mapWithConcurrency(keys, 16, (key) => store.putFile(key, path.join(localDir, key)));
}
