/**
 * Quality rules as the lakehouse-orchestrator writes them (formats.md §5), so its users can bring their
 * definitions: a list of `{name, check_type, column_name?, params?}`, in a JSON or YAML file. An unknown
 * check_type is not refused here: like the orchestrator, the run reports it as an error for that check
 * while the others still run.
 */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { LakebenchError } from '../errors';


export const qualityCheckSchema = z.object({
  name: z.string().min(1).max(200),
  check_type: z.string().min(1).max(64),
  column_name: z.string().min(1).max(1000).nullish(),
  params: z.record(z.string(), z.unknown()).nullish(),
});
const rulesSchema = z.array(qualityCheckSchema);

export type QualityCheck = z.infer<typeof qualityCheckSchema>;

/** Parses rules text (JSON is YAML too, but JSON.parse names the position of a JSON mistake better). */
export function parseRules(text: string, source: string): QualityCheck[] {
  let value: unknown;
  try {
    value = source.toLowerCase().endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (e) {
    throw new LakebenchError('BAD_INPUT', `cannot parse the rules: ${(e as Error).message}`, { object: source });
  }
  // A list of checks, or an object holding it under `checks`.
  const list = value !== null && typeof value === 'object' && !Array.isArray(value) && 'checks' in value ? value.checks : value;
  const parsed = rulesSchema.safeParse(list);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LakebenchError('BAD_INPUT', `not a list of checks {name, check_type, column_name?, params?}: ${issue.path.join('.') || 'top level'}: ${issue.message}`, {
      object: source,
    });
  }
  const names = new Set<string>();
  for (const check of parsed.data) {
    if (names.has(check.name)) throw new LakebenchError('BAD_INPUT', `two checks are named "${check.name}"`, { object: source });
    names.add(check.name);
  }
  return parsed.data;
}

export async function readRules(path: string): Promise<QualityCheck[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new LakebenchError('NOT_FOUND', `cannot read the rules file: ${(e as Error).message}`, { object: path, cause: e });
  }
  return parseRules(text, path);
}
