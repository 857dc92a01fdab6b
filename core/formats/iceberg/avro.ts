/**
 * Avro object container files (Iceberg's manifest lists and manifests) decoded with avsc, with the
 * writer's schema from the file header. Avro `long`s decode as bigints: snapshot ids use all 64 bits
 * and a double would round them. Codecs: null, deflate (Java's default for manifests) and snappy.
 *
 * The container framing (header, then blocks of count, size, data, sync marker; Avro spec "Object
 * Container Files") is walked here synchronously with avsc types, and each schema's avsc Type is made
 * once: avsc's streaming BlockDecoder parses the schema and sets up a stream per file, which made
 * opening a table of 10,000 manifests take seconds.
 */
import avro from 'avsc';
import { snappyUncompress } from 'hyparquet';
import { inflateRawSync } from 'node:zlib';
import { LakebenchError } from '../../errors';

export type AvroRecord = { [field: string]: unknown };

export interface AvroFile {
  records: AvroRecord[];
  /** The header's key/value metadata (`avro.schema`, and Iceberg's `schema`, `partition-spec`, `format-version` …). */
  meta: Record<string, string>;
}

/** Avro `long` as bigint, exact for all 64 bits (avsc's documented way to replace its double-based long). */
export const exactLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (value: number | string) => BigInt(value),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

const MAGIC = Buffer.from('Obj\x01', 'latin1');
const HEADER = avro.Type.forSchema({
  type: 'record',
  name: 'Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
/** Block counts and sizes: plain numbers are exact at any size a file can have. */
const BLOCK_LONG = avro.Type.forSchema('long');
const SYNC_SIZE = 16;

/** avsc Types by schema text: manifests of a table share a handful of schemas. */
const types = new Map<string, avro.Type>();
const MAX_TYPES = 256;

/** The avsc Type of a schema text (exact longs, unwrapped unions), made once per text. */
export function avroType(schemaText: string): avro.Type {
  let type = types.get(schemaText);
  if (!type) {
    type = avro.Type.forSchema(JSON.parse(schemaText) as avro.Schema, { registry: { long: exactLong }, wrapUnions: false });
    if (types.size >= MAX_TYPES) types.clear();
    types.set(schemaText, type);
  }
  return type;
}

/** Avro's snappy blocks are the compressed bytes followed by a 4-byte CRC of the uncompressed ones. */
function unsnappy(block: Buffer): Buffer {
  const compressed = block.subarray(0, block.length - 4);
  let length = 0;
  for (let shift = 0, i = 0; ; shift += 7, i++) {
    const byte = compressed[i]!;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) break;
  }
  const out = new Uint8Array(length);
  snappyUncompress(compressed, out);
  return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
}

const CODECS: Record<string, (block: Buffer) => Buffer> = {
  null: (block) => block,
  deflate: (block) => inflateRawSync(block),
  snappy: unsnappy,
};

function decodeAt<T>(type: avro.Type, buf: Buffer, pos: number, what: string): { value: T; offset: number } {
  const { value, offset } = type.decode(buf, pos);
  if (offset < 0) throw new Error(`${what} runs past the end of the data`);
  return { value: value as T, offset };
}

/** Every record of an Avro container file; CORRUPT naming `object` when it does not decode. */
export function readAvroFile(bytes: Uint8Array, object: string): AvroFile {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new LakebenchError('CORRUPT', 'not an Avro object container file (no Obj\\x01 magic)', { object });
  }
  try {
    const header = decodeAt<{ meta: Record<string, Buffer>; sync: Buffer }>(HEADER, buf, 0, 'the header');
    const meta: Record<string, string> = {};
    for (const [key, value] of Object.entries(header.value.meta)) meta[key] = value.toString('utf8');
    const codec = CODECS[meta['avro.codec'] ?? 'null'];
    if (!codec) throw new LakebenchError('UNSUPPORTED_FEATURE', `Avro codec ${meta['avro.codec']} is not supported (null, deflate, snappy are)`, { object });
    if (meta['avro.schema'] === undefined) throw new Error('the header has no avro.schema');
    const type = avroType(meta['avro.schema']);
    const records: AvroRecord[] = [];
    let pos = header.offset;
    while (pos < buf.length) {
      const count = decodeAt<number>(BLOCK_LONG, buf, pos, 'a block count');
      const size = decodeAt<number>(BLOCK_LONG, buf, count.offset, 'a block size');
      const end = size.offset + size.value;
      if (end + SYNC_SIZE > buf.length) throw new Error('a block runs past the end of the file');
      if (!buf.subarray(end, end + SYNC_SIZE).equals(header.value.sync)) throw new Error('a block ends without the sync marker');
      const block = codec(buf.subarray(size.offset, end));
      let at = 0;
      for (let i = 0; i < count.value; i++) {
        const record = decodeAt<AvroRecord>(type, block, at, 'a record');
        records.push(record.value);
        at = record.offset;
      }
      pos = end + SYNC_SIZE;
    }
    return { records, meta };
  } catch (e) {
    if (e instanceof LakebenchError) throw e;
    throw new LakebenchError('CORRUPT', `not a readable Avro file: ${(e as Error).message}`, { object, cause: e });
  }
}
