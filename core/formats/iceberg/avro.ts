/**
 * Avro object container files (Iceberg's manifest lists and manifests) decoded with avsc, with the
 * writer's schema from the file header. Avro `long`s decode as bigints: snapshot ids use all 64 bits
 * and a double would round them. Codecs: null, deflate (Java's default for manifests) and snappy.
 */
import avro from 'avsc';
import { snappyUncompress } from 'hyparquet';
import { inflateRaw } from 'node:zlib';
import { LakebenchError } from '../../errors';

export type AvroRecord = { [field: string]: unknown };

export interface AvroFile {
  records: AvroRecord[];
  /** The header's key/value metadata (`avro.schema`, and Iceberg's `schema`, `partition-spec`, `format-version` …). */
  meta: Record<string, string>;
}

/** Avro `long` as bigint, exact for all 64 bits (avsc's documented way to replace its double-based long). */
const exactLong = avro.types.LongType.__with({
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

type Callback = (err: Error | null, out?: Buffer) => void;

/** Avro's snappy blocks are the compressed bytes followed by a 4-byte CRC of the uncompressed ones. */
function unsnappy(block: Buffer, cb: Callback): void {
  try {
    const compressed = block.subarray(0, block.length - 4);
    let length = 0;
    for (let shift = 0, i = 0; ; shift += 7, i++) {
      const byte = compressed[i]!;
      length += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) break;
    }
    const out = new Uint8Array(length);
    snappyUncompress(compressed, out);
    cb(null, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
  } catch (e) {
    cb(e as Error);
  }
}

const CODECS = {
  null: (buf: Buffer, cb: Callback) => cb(null, buf),
  deflate: (buf: Buffer, cb: Callback) => inflateRaw(buf, cb),
  snappy: unsnappy,
};

/** Every record of an Avro container file; CORRUPT naming `object` when it does not decode. */
export function readAvroFile(bytes: Uint8Array, object: string): Promise<AvroFile> {
  return new Promise((resolve, reject) => {
    const records: AvroRecord[] = [];
    const meta: Record<string, string> = {};
    const decoder = new avro.streams.BlockDecoder({
      codecs: CODECS,
      parseHook: (schema) => avro.Type.forSchema(schema, { registry: { long: exactLong }, wrapUnions: false }),
    });
    decoder.on('metadata', (_type: unknown, _codec: string, header: { meta: Record<string, Buffer> }) => {
      for (const [key, value] of Object.entries(header.meta)) meta[key] = value.toString('utf8');
    });
    decoder.on('data', (record: AvroRecord) => records.push(record));
    decoder.on('error', (e: Error) =>
      reject(new LakebenchError('CORRUPT', `not a readable Avro file: ${e.message}`, { object, cause: e })),
    );
    decoder.on('end', () => {
      if (meta['avro.schema'] === undefined) reject(new LakebenchError('CORRUPT', 'not an Avro file (no header)', { object }));
      else resolve({ records, meta });
    });
    decoder.end(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  });
}
