/**
 * A real store (LocalStore or S3Store) that also records every object read through it — whole GETs,
 * range GETs and downloads — so a test can tell which objects an operation read and how much of each.
 * Every other call goes straight through; child stores record into the same list.
 */
import type { ByteRange, ObjectStore } from '../../core/storage/types';

export interface RecordedRead {
  /** Key relative to the root of the store the test wrapped. */
  key: string;
  /** Absent for a whole-object GET or a download. */
  range?: ByteRange;
}

export interface CountingStore {
  store: ObjectStore;
  reads: RecordedRead[];
}

export function countingStore(inner: ObjectStore): CountingStore {
  const reads: RecordedRead[] = [];
  return { store: wrap(inner, '', reads), reads };
}

function wrap(inner: ObjectStore, prefix: string, reads: RecordedRead[]): ObjectStore {
  return new Proxy(inner, {
    get(target, name, receiver) {
      if (name === 'get') {
        return (key: string, range?: ByteRange) => {
          reads.push({ key: prefix + key, ...(range && { range }) });
          return target.get(key, range);
        };
      }
      if (name === 'download') {
        return (key: string, localPath: string) => {
          reads.push({ key: prefix + key });
          return target.download(key, localPath);
        };
      }
      if (name === 'child') return (child: string) => wrap(target.child(child), `${prefix}${child.replace(/\/?$/, '/')}`, reads);
      const value: unknown = Reflect.get(target, name, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
