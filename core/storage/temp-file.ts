import { promises as fs } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';

/** In-flight writes live next to their target under this name prefix; local listings hide them. */
export const TEMP_FILE_PREFIX = '.lakebench-tmp-';

/**
 * Writes through a uniquely named temp file in the target's folder (same filesystem, so `publish` can
 * rename or link it atomically) and always removes the temp file afterwards: a crash or failure never
 * leaves a partial file under the final name.
 */
export async function viaTempFile<T>(
  target: string,
  write: (temp: string) => Promise<void>,
  publish: (temp: string) => Promise<T>,
): Promise<T> {
  await fs.mkdir(path.dirname(target), { recursive: true });
  const temp = path.join(path.dirname(target), `${TEMP_FILE_PREFIX}${randomUUID()}`);
  try {
    await write(temp);
    return await publish(temp);
  } finally {
    await fs.rm(temp, { force: true });
  }
}

/** Writes `temp` and moves it to `target` (atomic replace). */
export function writeFileAtomically(target: string, write: (temp: string) => Promise<void>): Promise<void> {
  return viaTempFile(target, write, (temp) => fs.rename(temp, target));
}
