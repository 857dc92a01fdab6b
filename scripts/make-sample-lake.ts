// Regenerates resources/sample-lake with the engine itself (`npm run sample`). The committed copy is
// what `lakebench demo` and the app's first start use; test/integration/sample-lake.test.ts checks that
// it still matches what this generator writes.
import { rm } from 'node:fs/promises';
import { writeSampleLake } from '../core/demo/sample-lake';
import { sampleLakeDir } from '../core/demo/resources';

const dir = sampleLakeDir();
await rm(dir, { recursive: true, force: true });
await writeSampleLake(dir);
console.log(`sample lake written to ${dir}`);
