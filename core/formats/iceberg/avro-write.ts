/**
 * Avro object container files written with avsc (manifests and manifest lists): deflate blocks, as
 * Iceberg's Java writers make them, the schema in the header with its field ids (avsc exports the
 * non-standard attributes), and the key/value metadata Iceberg readers look for.
 */
import avro from 'avsc';
import { avroType } from './avro';

/** The bytes of a container file holding `records`; the header is written even when there are none. */
export function avroFileBytes(schema: object, records: readonly unknown[], meta: Record<string, string>): Promise<Buffer> {
  const type = avroType(JSON.stringify(schema));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const metadata = Object.fromEntries(Object.entries(meta).map(([key, value]) => [key, Buffer.from(value, 'utf8')]));
    // avsc's typings leave out `metadata` and `writeHeader` (eager: an empty manifest still needs its header).
    const encoder = new avro.streams.BlockEncoder(type, { codec: 'deflate', metadata, writeHeader: true } as object);
    encoder.on('data', (chunk: Buffer) => chunks.push(chunk));
    encoder.on('end', () => resolve(Buffer.concat(chunks)));
    encoder.on('error', reject);
    for (const record of records) encoder.write(record);
    encoder.end();
  });
}
