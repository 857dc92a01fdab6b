/**
 * Test file order: the fault and crash campaigns first, then what vitest would choose (its cache of past
 * durations, else bigger files first). The campaigns are tiny files that each run for minutes, so on a
 * clean clone (no cache: CI) vitest's size rule put them last, where they ran with one fork idle.
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const LONG_RUNNING_FOLDERS = ['/test/faults/', '/test/crash/'];

const rank = (file: TestSpecification) => {
  const index = LONG_RUNNING_FOLDERS.findIndex((folder) => file.moduleId.includes(folder));
  return index === -1 ? LONG_RUNNING_FOLDERS.length : index;
};

export class HeavyFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    // Array sort is stable: within a rank, vitest's order stays.
    return (await super.sort(files)).sort((a, b) => rank(a) - rank(b));
  }
}
