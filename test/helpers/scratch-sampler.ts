/**
 * Watching a compaction's scratch space on disk while it runs: the jobs' scratch folders go under a
 * private temp folder, and the bytes of their `compaction/` folders (the bin pipeline's downloaded inputs
 * and written files) are sampled until the work ends.
 */
import { mkdtemp, readdir, stat } from 'node:fs/promises';
import path from 'node:path';

/** Bytes of every file under `folder` now (files may vanish while it is walked). */
async function folderBytes(folder: string): Promise<number> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  const sizes = await Promise.all(entries.filter((e) => e.isFile()).map((e) => stat(path.join(e.parentPath, e.name)).then((s) => s.size, () => 0)));
  return sizes.reduce((a, b) => a + b, 0);
}

/** Runs `work` with TMPDIR under `parent` and samples the bytes of its compaction jobs' pipeline folders. */
export async function sampleScratch<T>(parent: string, work: () => Promise<T>): Promise<{ result: T; samples: number[] }> {
  const tmp = await mkdtemp(path.join(parent, 'tmp-'));
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = tmp;
  const samples: number[] = [];
  let running = true;
  const sampler = (async () => {
    while (running) {
      const jobs = (await readdir(tmp).catch(() => [] as string[])).filter((name) => name.startsWith('lakebench-compact-'));
      const sizes = await Promise.all(jobs.map((job) => folderBytes(path.join(tmp, job, 'compaction'))));
      samples.push(sizes.reduce((a, b) => a + b, 0));
      await new Promise((resolve) => setImmediate(resolve));
    }
  })();
  try {
    return { result: await work(), samples };
  } finally {
    running = false;
    await sampler;
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
  }
}
