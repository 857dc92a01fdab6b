import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore } from '../../core/storage/types';

/** Copies a local folder tree into a store (e.g. a fixture table onto the loopback S3 server). */
export async function uploadFolder(localDir: string, store: ObjectStore, prefix = ''): Promise<void> {
  for (const entry of await readdir(path.join(localDir, prefix), { withFileTypes: true })) {
    const key = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) await uploadFolder(localDir, store, key);
    else await store.putFile(key, path.join(localDir, key));
  }
}
