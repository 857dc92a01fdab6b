/**
 * Where the tests' fixtures live: `test/fixtures/`, inside the repository, so a user's clone runs the
 * suite with nothing beside it (see test/fixtures/README.md for each source, its licence and commit).
 */
import path from 'node:path';

export const FIXTURES = path.resolve(import.meta.dirname, '..', 'fixtures');

/** A fixture's path: `fixture('delta-rs', 'simple_table')`. */
export function fixture(...segments: string[]): string {
  return path.join(FIXTURES, ...segments);
}
