/** The objects of the two-process cache test: key, size and bytes derived from their number. */
export interface CacheObject {
  key: string;
  size: number;
  body: Buffer;
}

export function cacheObject(i: number): CacheObject {
  const size = 20_000 + ((i * 7919) % 40_000);
  const body = Buffer.alloc(size);
  for (let b = 0; b < size; b++) body[b] = (b * 31 + i) % 251;
  return { key: `obj-${String(i).padStart(3, '0')}.bin`, size, body };
}
