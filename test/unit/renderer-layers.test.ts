/**
 * The renderer reaches the engine only through its contract (core/api) and a few pure text helpers: it
 * runs in a browser page, where the engine's storage, SQL and operations cannot run, and a deep import
 * would tie the page to engine internals that change freely.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const RENDERER = join(ROOT, 'renderer', 'src');
const ALLOWED = [/^core\/api\//, /^core\/sql-text$/, /^core\/units$/];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : /\.tsx?$/.test(e.name) ? [join(dir, e.name)] : [],
  );
}

/** Every import of engine code in a renderer file, as a path from the repository root. */
function coreImports(file: string): string[] {
  const specifiers = [...readFileSync(file, 'utf8').matchAll(/from '([^']+)'/g)].map((m) => m[1]);
  return specifiers
    .filter((s) => s.startsWith('.'))
    .map((s) => relative(ROOT, resolve(file, '..', s)))
    .filter((p) => p.startsWith('core/'));
}

describe('the renderer', () => {
  it('imports engine code only from core/api and the pure text helpers', () => {
    const files = sourceFiles(RENDERER);
    expect(files.length).toBeGreaterThan(20);
    const imports = files.flatMap((f) => coreImports(f).map((p) => `${relative(ROOT, f)} → ${p}`));
    expect(imports.length).toBeGreaterThan(0);
    expect(imports.filter((line) => !ALLOWED.some((a) => a.test(line.split(' → ')[1])))).toEqual([]);
  });
});
