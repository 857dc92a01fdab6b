/**
 * `verify` of a LakeSync bucket (formats.md §3): every JSON envelope parses, each delta is well formed
 * (op, table, rowId, HLC), `deltaCount` and `hlcRange` agree with the deltas, and the HLC range in the
 * file name agrees with `hlcRange`; Parquet delta files and materialised states pass the Parquet file
 * checks (magic, footer). A problem names the file (and the delta) and never stops the run.
 */
import { isLakebenchError } from '../../errors';
import { checkEnvelope, listLakeSyncFiles, type DeltaEnvelope } from '../../formats/lakesync/deltas';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectStore } from '../../storage/types';
import type { OpOptions } from '../maintenance/operations';
import { checkCancelled } from '../table-references';
import { checkDataFiles } from './data-files';
import type { VerifyProblem, VerifyReport } from './problems';

/** `[<table>-]<minHlc>-<maxHlc>.json`: the range a flushed file's name gives. */
const NAMED_RANGE = /(\d+)-(\d+)\.json$/;

export async function verifyLakeSync(store: ObjectStore, options: OpOptions = {}): Promise<VerifyReport> {
  const files = await listLakeSyncFiles(store);
  const envelopes = files.filter((f) => f.key.endsWith('.json'));
  // One count over every file the report checks: envelopes first, then the Parquet files.
  const progress = { phase: 'envelopes', done: 0, total: files.length, bytes: 0 };
  const perFile = await mapWithConcurrency(envelopes, 8, async (file) => {
    checkCancelled(options.signal, store);
    const problems = envelopeProblems(await store.get(file.key), store.urlOf(file.key), file.key);
    progress.done++;
    progress.bytes += file.size;
    options.onProgress?.({ ...progress });
    return problems;
  });
  const parquetFiles = files.filter((f) => f.key.endsWith('.parquet')).map((f) => ({ path: f.key, size: f.size }));
  const parquet = await checkDataFiles(store, parquetFiles, {
    ...options,
    onProgress: (p) => options.onProgress?.({ ...p, done: envelopes.length + p.done, total: files.length, bytes: progress.bytes + p.bytes }),
  });
  const badEnvelopes = perFile.filter((p) => p.length > 0).length;
  return {
    location: store.url,
    problems: [...perFile.flat(), ...parquet.problems],
    checked: { files: files.length, bytes: progress.bytes + parquet.checked.bytes },
    corruption_rate: files.length === 0 ? 0 : (badEnvelopes + parquet.corruptFiles) / files.length,
  };
}

function envelopeProblems(bytes: Uint8Array, object: string, key: string): VerifyProblem[] {
  let envelope: DeltaEnvelope;
  try {
    envelope = checkEnvelope(bytes, object);
  } catch (e) {
    if (!isLakebenchError(e, 'BAD_INPUT')) throw e;
    return [{ object: e.object ?? object, kind: 'bad-delta', detail: e.message }];
  }
  const problems: VerifyProblem[] = [];
  const mismatch = (detail: string) => problems.push({ object, kind: 'envelope-mismatch', detail });
  if (envelope.deltaCount !== undefined && envelope.deltaCount !== envelope.deltas.length) {
    mismatch(`deltaCount says ${String(envelope.deltaCount)}, the envelope holds ${envelope.deltas.length} deltas`);
  }
  if (envelope.deltas.length === 0) return problems;
  const hlcs = envelope.deltas.map((d) => BigInt(String(d.hlc)));
  const [min, max] = [hlcs.reduce((a, b) => (b < a ? b : a)), hlcs.reduce((a, b) => (b > a ? b : a))];
  const range = envelope.hlcRange;
  if (range && (String(range.min) !== String(min) || String(range.max) !== String(max))) {
    mismatch(`hlcRange says ${String(range.min)}..${String(range.max)}, the deltas span ${min}..${max}`);
  }
  const named = NAMED_RANGE.exec(key);
  if (named && (named[1] !== String(min) || named[2] !== String(max))) mismatch(`the file name gives ${named[1]}..${named[2]}, the deltas span ${min}..${max}`);
  return problems;
}
