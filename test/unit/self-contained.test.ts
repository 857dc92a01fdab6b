/**
 * A user's clone has nothing beside it: no test, script, config or engine file may read from a folder
 * outside the repository (the `shared` folder the project was first built beside, in particular).
 * Everything a test reads lives under test/fixtures/.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../helpers/fixtures';

const ROOT = join(import.meta.dirname, '..', '..');
/** The folder's name, built from parts so that this file does not match itself. */
const BESIDE = ['sha', 'red'].join('');
const OUTSIDE = new RegExp(`\\.\\.[/\\\\]${BESIDE}\\b|['"]${BESIDE}['"]`);
/** Code and configuration; docs may mention history, but nothing that runs may depend on it. */
const CHECKED = /^(test|scripts|core|electron|renderer|bin|\.ci)\/|^[^/]+\.(ts|mjs|js|json|yml)$/;
const TEXT = /\.(ts|tsx|mjs|js|cjs|json|yml|yaml|sh)$|^\.ci\/run$/;

function trackedFiles(): string[] {
  return execFileSync('git', ['ls-files'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter((f) => CHECKED.test(f) && TEXT.test(f) && !f.startsWith('test/fixtures/'));
}

describe('the repository is self-contained', () => {
  it('recognises a reference to a folder beside the repository', () => {
    expect(OUTSIDE.test(`path.join(ROOT, '..', '${BESIDE}', 'fixtures')`)).toBe(true);
    expect(OUTSIDE.test(`../${BESIDE}/fixtures/golden`)).toBe(true);
    expect(OUTSIDE.test(`fixture('delta-rs', 'simple_table')`)).toBe(false);
  });

  it('no test, script or config refers to a folder outside the repository', () => {
    const files = trackedFiles();
    expect(files.length).toBeGreaterThan(100);
    const offenders = files.filter((f) => OUTSIDE.test(readFileSync(join(ROOT, f), 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('keeps the fixtures inside the repository', () => {
    expect(FIXTURES.startsWith(ROOT)).toBe(true);
    const tracked = execFileSync('git', ['ls-files', 'test/fixtures'], { cwd: ROOT, encoding: 'utf8' });
    for (const source of ['delta-rs', 'dat', 'golden', 'iceberg', 'parquet-testing', 'LICENSES']) {
      expect(tracked).toContain(`test/fixtures/${source}/`);
    }
  });
});
