/**
 * The folder holding Lakebench's package.json. From source, from the bundled CLI (dist/) and from the
 * Electron bundle (out/main/, inside app.asar when packaged) it is found by walking up from this module.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let found: string | undefined;

export function packageRoot(): string {
  if (found) return found;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'lakebench') return (found = dir);
    if (dirname(dir) === dir) throw new Error(`the lakebench package folder was not found above ${start}`);
  }
}
