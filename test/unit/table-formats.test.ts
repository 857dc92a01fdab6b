/**
 * The registry of table formats: every built-in format is found on a real table of its kind, says
 * truthfully what it offers (an opened table has a method exactly for each view it names), and adding
 * a format puts it ahead of the built-in ones until it is removed. Detection asks narrow questions: the
 * format of a table with many files at its root is told from a listing or two, not by listing them all.
 */
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectFormat, findTables } from '../../core/formats/detect';
import { addTableFormat, tableFormat, tableFormats } from '../../core/formats/registry';
import { STANDARD_VIEWS, TABLE_OPERATIONS, VERSION_REF_KINDS, type TableFormat, type TableHandle } from '../../core/formats/table-format';
import { LocalStore } from '../../core/storage/local';
import type { ListOptions, ListPage, ObjectStore } from '../../core/storage/types';
import { writeArchive } from '../helpers/des-writer';
import { FIXTURES } from '../helpers/fixtures';
import { writeLakeSync, writeLakeside } from '../helpers/lake-buckets';

let dir: string;
/** One real table per built-in format, by format name. */
const tables: Record<string, string> = {};

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'lakebench-formats-'));
  tables.delta = path.join(dir, 'lake', 'delta');
  cpSync(path.join(FIXTURES, 'delta-rs/simple_table'), tables.delta, { recursive: true });
  tables.iceberg = path.join(dir, 'lake', 'iceberg');
  cpSync(path.join(FIXTURES, 'iceberg/java/bunnies'), tables.iceberg, { recursive: true });
  tables.parquet = path.join(dir, 'lake', 'parquet');
  mkdirSync(path.join(tables.parquet, 'year=2024'), { recursive: true });
  cpSync(path.join(FIXTURES, 'parquet-testing/good/nulls.snappy.parquet'), path.join(tables.parquet, 'year=2024', 'a.parquet'));
  tables.lakesync = path.join(dir, 'lake', 'lakesync');
  await writeLakeSync(tables.lakesync);
  tables.lakeside = path.join(dir, 'lake', 'lakeside');
  await writeLakeside(tables.lakeside);
  tables.des = path.join(dir, 'lake', 'des');
  await writeArchive(tables.des, [{ name: '20261123_00_0001', entries: [{ uid: '1', bytes: new TextEncoder().encode('hello') }] }]);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A session and the cache are only used by formats whose schema DuckDB tells, or by big tables' pages; these tests never call them. */
const noSession = { session: () => Promise.reject(new Error('no session in this test')), cache: () => Promise.reject(new Error('no cache in this test')) };

describe('the built-in formats', () => {
  it('have distinct names and describe themselves with known views, version refs and operations', () => {
    const formats = tableFormats();
    expect(formats.map((f) => f.name)).toEqual(['delta', 'iceberg', 'lakesync', 'lakeside', 'des', 'parquet']);
    for (const format of formats) {
      expect(format.title, format.name).toMatch(/^[A-Z]/);
      const own = format.capabilities.views.filter((v) => !(STANDARD_VIEWS as readonly string[]).includes(v));
      expect(own.length, `${format.name}: at most one view of its own`).toBeLessThanOrEqual(1);
      for (const kind of format.capabilities.versionRefs) expect(VERSION_REF_KINDS).toContain(kind);
      for (const operation of Object.keys(format.capabilities.operations)) expect(TABLE_OPERATIONS).toContain(operation);
      expect(format.capabilities.operations.verify, `${format.name} can be verified`).toBeDefined();
      // Time travel needs versions to travel to.
      if (format.capabilities.views.includes('compare')) expect(format.capabilities.versionRefs).toContain('id');
    }
  });

  it('each finds its own table, and the walk finds them all by folder name', async () => {
    for (const [name, location] of Object.entries(tables)) expect((await detectFormat(new LocalStore(location)))?.name, name).toBe(name);
    const found = await findTables(new LocalStore(path.join(dir, 'lake')));
    expect(found.map((t) => [t.name, t.format.name])).toEqual(Object.keys(tables).sort().map((name) => [name, name]));
  });

  it('open a table whose methods are exactly the views their capabilities name', async () => {
    const methods: [keyof TableHandle, string][] = [
      ['history', 'history'],
      ['files', 'files'],
      ['partitions', 'partitions'],
      ['schema', 'schema'],
      ['manifests', 'manifests'],
      ['manifestFiles', 'manifests'],
      ['register', 'preview'],
    ];
    for (const [name, location] of Object.entries(tables)) {
      const format = tableFormat(name)!;
      const handle = await format.open(new LocalStore(location), noSession);
      expect(handle.format).toBe(format);
      for (const [method, view] of methods) {
        expect(typeof handle[method] === 'function', `${name}.${method} ⇔ ${view}`).toBe(format.capabilities.views.includes(view));
      }
    }
  });
});

describe('registering a format', () => {
  const fake: TableFormat = {
    name: 'fake',
    title: 'Fake tables',
    capabilities: { views: [], versionRefs: [], operations: { verify: {} } },
    detect: (folder) => folder.has('_fake/'),
    parseVersion: (text) => ({ kind: 'id', id: text }),
    open: async (store) => ({ format: fake, store }),
    verify: async (store) => ({ location: store.url, problems: [], checked: { files: 0, bytes: 0 }, corruption_rate: 0 }),
  };

  it('puts it ahead of the built-in ones (it may claim their folders) until removed; a name is taken once', async () => {
    mkdirSync(path.join(tables.delta, '_fake'), { recursive: true });
    writeFileSync(path.join(tables.delta, '_fake', 'x'), '');
    const remove = addTableFormat(fake);
    try {
      expect(tableFormats()[0]).toBe(fake);
      expect(tableFormat('fake')).toBe(fake);
      expect((await detectFormat(new LocalStore(tables.delta)))?.name).toBe('fake');
      expect(() => addTableFormat({ ...fake })).toThrow(/already registered/);
    } finally {
      remove();
      rmSync(path.join(tables.delta, '_fake'), { recursive: true });
    }
    expect(tableFormat('fake')).toBeUndefined();
    expect((await detectFormat(new LocalStore(tables.delta)))?.name).toBe('delta');
  });
});

describe('detection cost', () => {
  /** Every list call a store answers, with its prefix and options. */
  function counting(store: ObjectStore, calls: { prefix: string; options?: ListOptions }[]): ObjectStore {
    return new Proxy(store, {
      get(target, key, receiver) {
        if (key !== 'list') return Reflect.get(target, key, receiver);
        return (prefix: string, options?: ListOptions): Promise<ListPage> => {
          calls.push({ prefix, options });
          return target.list(prefix, options);
        };
      },
    });
  }

  it('tells a Delta table with 2,500 files at its root from one listing of its log, never the whole root', async () => {
    const wide = path.join(dir, 'wide');
    cpSync(tables.delta, wide, { recursive: true });
    for (let i = 0; i < 2500; i++) writeFileSync(path.join(wide, `part-${String(i).padStart(5, '0')}.parquet`), '');
    const calls: { prefix: string; options?: ListOptions }[] = [];
    expect((await detectFormat(counting(new LocalStore(wide), calls)))?.name).toBe('delta');
    expect(calls.map((c) => c.prefix)).toEqual(['_delta_log/']);
  });

  it('tells an Iceberg table whose metadata/ holds 2,500 manifests before its metadata file from one narrow listing', async () => {
    const wide = path.join(dir, 'wide-iceberg');
    cpSync(tables.iceberg, wide, { recursive: true });
    // `snap-…` and `<uuid>-m0.avro` names sort before `v5.metadata.json`: a listing of metadata/ would page through them all.
    for (let i = 0; i < 2500; i++) writeFileSync(path.join(wide, 'metadata', `snap-${String(i).padStart(5, '0')}.avro`), '');
    const calls: { prefix: string; options?: ListOptions }[] = [];
    expect((await detectFormat(counting(new LocalStore(wide), calls)))?.name).toBe('iceberg');
    expect(calls.map((c) => c.prefix)).toEqual(['_delta_log/', 'metadata/v']);
  });

  it('tells a catalog-written Iceberg table (00001-<uuid>.metadata.json, no hint) from the first page of metadata/', async () => {
    const calls: { prefix: string; options?: ListOptions }[] = [];
    const athena = new LocalStore(path.join(FIXTURES, 'iceberg/athena/example'));
    expect((await detectFormat(counting(athena, calls)))?.name).toBe('iceberg');
    expect(calls.map((c) => c.prefix)).toEqual(['_delta_log/', 'metadata/v', 'metadata/']);
  });
});
