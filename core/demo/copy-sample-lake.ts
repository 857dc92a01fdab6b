import { cp, readdir } from 'node:fs/promises';
import { LakebenchError } from '../errors';
import { sampleLakeDir } from './resources';

/** Copies the committed sample lake to `dir`. Refuses a non-empty folder rather than mixing lakes. */
export async function copySampleLake(dir: string): Promise<void> {
  const existing = await readdir(dir).catch(() => [] as string[]);
  if (existing.length > 0) throw new LakebenchError('USAGE', 'folder is not empty; choose a new or empty folder for the sample lake', { object: dir });
  await cp(sampleLakeDir(), dir, { recursive: true, errorOnExist: true, force: false });
}
