/**
 * Checks of the deletion vectors of a table's live files: each DV file exists and holds, at the
 * descriptor's offset, a size word matching `sizeInBytes` and a bitmap whose CRC-32 matches. With
 * --deep every bitmap is decoded too: it must be a valid RoaringBitmapArray, delete exactly
 * `cardinality` rows, and name no row at or past the file's row count. Problems name the DV file
 * (or the table, for inline DVs); nothing stops the run.
 */
import type { AddFile } from '../../formats/delta/actions';
import { dvFileKey } from '../../formats/delta/deleted-rows';
import { bitmapFromFileRange, decodeDeletionVector, deletionVectorOf, dvByteRange, dvLocation } from '../../formats/delta/deletion-vector';
import { statsRecordCount } from '../../formats/delta/stats';
import { mapWithConcurrency } from '../../storage/concurrency';
import type { ObjectStore } from '../../storage/types';
import type { OpOptions } from '../maintenance/operations';
import { checkCancelled } from '../table-references';
import type { VerifyOptions, VerifyProblem } from './problems';

const CHECK_CONCURRENCY = 16;

export async function checkDeletionVectors(
  store: ObjectStore,
  adds: readonly AddFile[],
  { deep, signal }: VerifyOptions & OpOptions = {},
): Promise<VerifyProblem[]> {
  const withDv = adds.filter((add) => add.deletionVector);
  const problems = await mapWithConcurrency(withDv, CHECK_CONCURRENCY, async (add): Promise<VerifyProblem[]> => {
    checkCancelled(signal, store);
    let object = store.url;
    const problem = (detail: string): VerifyProblem[] => [{ object, kind: 'bad-deletion-vector', detail: `deletion vector of ${add.path}: ${detail}` }];
    try {
      const dv = deletionVectorOf(add, store.url)!;
      const location = dvLocation(dv, store.url);
      let bitmap: Uint8Array;
      if (location.kind === 'inline') bitmap = location.bytes;
      else {
        const key = dvFileKey(location.path, store.url);
        object = store.urlOf(key);
        const info = await store.head(key);
        if (!info) return [{ object, kind: 'missing-file', detail: `deletion vector file of ${add.path} does not exist` }];
        const range = dvByteRange(location);
        if (range.offset + range.length > info.size) return problem(`bytes ${range.offset}..${range.offset + range.length} are past the end of the file (${info.size} bytes)`);
        bitmap = bitmapFromFileRange(await store.get(key, range), dv.sizeInBytes, object);
      }
      if (!deep) return [];
      const positions = decodeDeletionVector(bitmap, object);
      if (positions.length !== dv.cardinality) return problem(`the bitmap deletes ${positions.length} rows, the log says ${dv.cardinality}`);
      const rows = statsRecordCount(add);
      const last = positions.at(-1);
      if (rows !== undefined && last !== undefined && last >= rows) return problem(`deletes row ${last}, but the file has ${rows} rows`);
      return [];
    } catch (e) {
      return problem(withoutObjectPrefix((e as Error).message, object));
    }
  });
  return problems.flat();
}

function withoutObjectPrefix(message: string, object: string): string {
  return message.startsWith(`${object}: `) ? message.slice(object.length + 2) : message;
}
