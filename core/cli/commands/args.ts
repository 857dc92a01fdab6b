import { versionSpec } from '../../api/table-binding';
import type { TableArgs } from '../../api/types';
import type { CliContext } from '../context';
import type { VersionFlags } from '../main';

/** A table location with the global location options and `--version` / `--as-of` validated. */
export function tableArgs(ctx: CliContext, location: string, flags: VersionFlags = {}): TableArgs {
  return { location, ...ctx.location, ...versionSpec(flags) };
}
