/** `doctor`: whether the engine can run here, and what it runs on (see core/api/doctor.ts). */
import type { DoctorReport } from '../../api/doctor';
import { EXIT_FAILED, EXIT_OK, type CliContext, type CommandOutput } from '../context';
import { byteSize } from './byte-size';

function line(label: string, value: string): string {
  return `${label.padEnd(16)} ${value}\n`;
}

export function formatDoctor(r: DoctorReport): string {
  let text = line('lakebench', r.lakebench);
  const runtime = `Node ${r.runtime.node}${r.runtime.electron ? ` (Electron ${r.runtime.electron})` : ''}, ${r.runtime.platform}-${r.runtime.arch}, ABI ${r.runtime.abi}`;
  text += line('runtime', `${runtime}; needs Node ${r.runtime.nodeRequired}`);
  for (const m of r.nativeModules) {
    const state = m.ok ? `ok${m.version ? ` (${m.version})` : ''}` : `FAILED: ${m.error}`;
    text += line(m.name, `${state}${m.loadedFrom ? `\n${''.padEnd(17)}from ${m.loadedFrom}` : ''}`);
  }
  if (r.duckdb) {
    const loaded = r.duckdb.extensions.filter((e) => e.loaded).map((e) => e.name);
    text += line('duckdb', `${r.duckdb.version}; extensions loaded: ${loaded.join(', ') || 'none'}`);
  }
  const c = r.catalog;
  const level = c.migrationLevel === undefined ? '' : `, migration ${c.migrationLevel} of ${c.latestMigration}`;
  text += line('catalog', `${c.path}${c.exists ? level : ' (not created yet)'}${c.error ? ` — ${c.error}` : ''}`);
  text += line('cache', `${r.cache.path}: ${r.cache.files} files, ${byteSize(r.cache.bytes)} of ${byteSize(r.cache.budgetBytes)}`);
  text += line('aws', r.aws.length === 0 ? 'no settings seen' : r.aws.map((a) => `${a.name}=${a.value}`).join('\n' + ''.padEnd(17)));
  text += r.ok ? '\nNo problems found.\n' : `\n${r.problems.map((p) => `PROBLEM: ${p.what}\n  fix: ${p.fix}`).join('\n')}\n`;
  return text;
}

export async function doctor(_ctx: CliContext): Promise<CommandOutput> {
  const report = await (await import('../../api/doctor')).runDoctor();
  return { result: report, text: formatDoctor(report), exitCode: report.ok ? EXIT_OK : EXIT_FAILED };
}
