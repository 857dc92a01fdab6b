/**
 * One of two processes sharing a cache folder in the cache test: rounds of "take a lease, fetch a few
 * objects through the shared FileCache, read every returned file and check its bytes, release", with a
 * budget so small that every round evicts. Exits 1 on the first file that is missing or not whole.
 *
 * Usage: node --import tsx test/helpers/cache-worker.ts <cacheDir> <budget> <endpoint> <prefix> <objects> <rounds> <seed>
 */
import { readFile } from 'node:fs/promises';
import { seededRandom } from '../../core/demo/sample-data';
import { FileCache } from '../../core/storage/cache';
import { S3Store } from '../../core/storage/s3';
import { createS3Client } from '../../core/storage/s3-client';
import { cacheObject } from './cache-objects';

async function main(): Promise<void> {
  const [cacheDir, budget, endpoint, prefix, objects, rounds, seed] = process.argv.slice(2);
  const client = createS3Client({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
  const store = new S3Store({ client, bucket: 'cache', prefix: prefix!, urlScheme: 's3', endpoint });
  const cache = new FileCache(cacheDir!, Number(budget));
  const random = seededRandom(Number(seed));
  for (let round = 0; round < Number(rounds); round++) {
    const picked = new Set<number>();
    while (picked.size < 4) picked.add(Math.floor(random() * Number(objects)));
    const items = [...picked].map((i) => cacheObject(i));
    const lease = cache.lease();
    try {
      const paths = await cache.ensureMany(store, items.map(({ key, size }) => ({ key, size })), { lease });
      for (const item of items) {
        // The other process evicts all the time: a leased file must stay there, whole, while in use.
        await new Promise((resolve) => setTimeout(resolve, random() * 5));
        const bytes = await readFile(paths.get(item.key)!);
        if (!bytes.equals(item.body)) throw new Error(`round ${round}: ${item.key} has ${bytes.length} bytes, not its ${item.size}`);
      }
    } finally {
      await lease.release();
    }
  }
  client.destroy();
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
