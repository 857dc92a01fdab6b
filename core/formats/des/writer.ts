/**
 * Writes DES2 shards (formats.md §4) chunk by chunk to a sink — a local file for repack, memory for
 * tests — so a shard is never held whole: `[header][payloads…][index][footer]`. No library writes DES,
 * hence this encoder; format.ts holds the reader of the same layout.
 */
import { FOOTER_MAGIC, HEADER_MAGIC, type CodecName, type DesEntry } from './format';

const CODE: Record<CodecName, number> = { none: 0, zstd: 1, lz4: 2 };

export type ShardSink = (chunk: Uint8Array) => Promise<void>;

export interface InlineEntry {
  uid: string;
  codec: CodecName;
  /** The payload as stored (already compressed with `codec`). */
  payload: Uint8Array;
  uncompressedSize: number;
  meta?: unknown;
}

export interface BigFileEntry {
  uid: string;
  bigFileHash: string;
  bigFileSize: number;
  meta?: unknown;
}

export class ShardWriter {
  private offset = 0;
  private readonly entries: DesEntry[] = [];

  constructor(
    private readonly sink: ShardSink,
    private readonly version: 1 | 2 = 2,
  ) {}

  private async write(chunk: Uint8Array): Promise<void> {
    await this.sink(chunk);
    this.offset += chunk.length;
  }

  async addInline(e: InlineEntry): Promise<DesEntry> {
    if (this.offset === 0) await this.write(header(this.version));
    const entry: DesEntry = {
      uid: e.uid,
      offset: this.offset,
      length: e.payload.length,
      codec: e.codec,
      compressedSize: e.payload.length,
      uncompressedSize: e.uncompressedSize,
      isBigFile: false,
      meta: e.meta,
    };
    await this.write(e.payload);
    this.entries.push(entry);
    return entry;
  }

  addBigFile(e: BigFileEntry): DesEntry {
    if (this.version === 1) throw new Error('DES v1 shards cannot hold big files');
    const entry: DesEntry = { uid: e.uid, offset: 0, length: 0, codec: 'none', compressedSize: e.bigFileSize, uncompressedSize: e.bigFileSize, isBigFile: true, bigFileHash: e.bigFileHash, bigFileSize: e.bigFileSize, meta: e.meta };
    this.entries.push(entry);
    return entry;
  }

  /** Writes the index and footer; returns the shard's size and its entries. */
  async finish(): Promise<{ size: number; entries: DesEntry[] }> {
    if (this.offset === 0) await this.write(header(this.version));
    const index = encodeIndex(this.entries, this.version);
    await this.write(index);
    const footer = Buffer.alloc(12);
    footer.write(FOOTER_MAGIC, 0, 'latin1');
    footer.writeBigUInt64LE(BigInt(index.length), 4);
    await this.write(footer);
    return { size: this.offset, entries: this.entries };
  }
}

function header(version: 1 | 2): Uint8Array {
  return Buffer.from([...Buffer.from(HEADER_MAGIC, 'latin1'), version, 0, 0, 0]);
}

function encodeIndex(entries: DesEntry[], version: 1 | 2): Buffer {
  const parts: Buffer[] = [];
  const u8 = (n: number) => parts.push(Buffer.from([n]));
  const u16 = (n: number) => { const b = Buffer.alloc(2); b.writeUInt16LE(n); parts.push(b); };
  const u32 = (n: number) => { const b = Buffer.alloc(4); b.writeUInt32LE(n); parts.push(b); };
  const u64 = (n: number) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(BigInt(n)); parts.push(b); };
  const text = (s: string, length: (n: number) => void) => { const b = Buffer.from(s); length(b.length); parts.push(b); };
  const meta = (m: unknown) => text(m === undefined || m === null ? '' : JSON.stringify(m), u32);

  u32(entries.length);
  for (const e of entries) {
    text(e.uid, u16);
    if (e.isBigFile) {
      u8(1);
      text(e.bigFileHash!, u16);
      u64(e.bigFileSize!);
      meta(e.meta);
      continue;
    }
    if (version === 2) u8(0);
    u64(e.offset);
    u64(e.length);
    u8(CODE[e.codec]);
    u64(e.compressedSize);
    u64(e.uncompressedSize);
    if (version === 2) meta(e.meta);
  }
  return Buffer.concat(parts);
}

/** A sink collecting the shard in memory. */
export function memorySink(): { sink: ShardSink; bytes: () => Buffer } {
  const chunks: Uint8Array[] = [];
  return { sink: async (chunk) => void chunks.push(chunk), bytes: () => Buffer.concat(chunks) };
}
