/** `verify <location> [--deep]`: checks a Delta table, Parquet folder or Parquet file; exit 1 when it finds problems. */
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { LakebenchApi } from '../../api/api';
import type { LocationArgs } from '../../api/types';
import type { VerifyReport } from '../../ops/verify/verify';
import { parseLocation } from '../../storage/location';
import { EXIT_FAILED, EXIT_OK, type CliContext, type CommandOutput } from '../context';
import type { VerifyFlags } from '../maintenance-program';
import { renderTable } from '../output';
import { byteSize } from './byte-size';
import { interruptible } from './interrupt';
import { progressLine } from './write';

export async function verify(ctx: CliContext, location: string, flags: VerifyFlags): Promise<CommandOutput | number> {
  const api = await ctx.api();
  const target = await verifyTarget(api, { location, ...ctx.location });
  return interruptible(ctx, async (signal) => {
    const { verifyLocation } = await import('../../ops/verify/verify');
    const report = await api.maintenance('verify', target.args, (store, pinned) =>
      verifyLocation(store, { deep: flags.deep, file: target.file, pinned, signal, onProgress: progressLine(ctx) }),
    );
    return { result: report, text: reportText(report), exitCode: report.problems.length > 0 ? EXIT_FAILED : EXIT_OK };
  });
}

/**
 * A location naming one file is verified as that file in its folder's store (stores are rooted at
 * folders), unless the file pins a table's state (an Iceberg metadata file: the table is verified) or
 * the location is a catalog's table. Local paths are told by stat; on S3 a HEAD of the last segment in
 * its parent prefix tells an object from a prefix.
 */
async function verifyTarget(api: LakebenchApi, args: LocationArgs): Promise<{ args: LocationArgs; file?: string }> {
  if ((await api.locate(args)).pinned !== undefined) return { args };
  const parsed = parseLocation(args.location);
  if (parsed.scheme === 'file') {
    const path = parsed.path!;
    const isFile = (await stat(path).catch(() => undefined))?.isFile() ?? false;
    return isFile ? { args: { ...args, location: dirname(path) }, file: basename(path) } : { args };
  }
  if (parsed.prefix === '' || args.location.endsWith('/')) return { args };
  const cut = args.location.lastIndexOf('/');
  const folder = { ...args, location: args.location.slice(0, cut) };
  const name = args.location.slice(cut + 1);
  return (await api.open(folder).head(name)) ? { args: folder, file: name } : { args };
}

function reportText(report: VerifyReport): string {
  const { files, bytes, entries } = report.checked;
  const what = entries === undefined ? `data file${files === 1 ? '' : 's'}` : `shard${files === 1 ? '' : 's'} (${entries} entries,`;
  const checked = `${files} ${what}${entries === undefined ? ' (' : ' '}${byteSize(bytes)}) checked` +
    (report.orphans?.length ? `; ${report.orphans.length} orphans of unfinished repacks (des repack removes them): ${report.orphans.join(', ')}` : '');
  if (report.problems.length === 0) return `verified ${report.location}: ${checked}, no problems\n`;
  const table = renderTable(
    ['kind', 'object', 'detail'],
    report.problems.map((p) => [p.kind, p.object, p.detail]),
  );
  const count = report.problems.length;
  const rate = `${(report.corruption_rate * 100).toFixed(1)}% of files corrupt`;
  return `${table}\nverified ${report.location}: ${count} problem${count === 1 ? '' : 's'}; ${checked}, ${rate}\n`;
}
