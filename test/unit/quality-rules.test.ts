/** Rules files in the orchestrator's field names, JSON or YAML, refused with the object and the problem. */
import { describe, expect, it } from 'vitest';
import { isLakebenchError } from '../../core/errors';
import { checkQueries } from '../../core/quality/checks';
import { parseRules } from '../../core/quality/rules';

const refusal = (text: string, source: string): string => {
  try {
    parseRules(text, source);
  } catch (e) {
    if (isLakebenchError(e, 'BAD_INPUT')) return `${e.object}: ${e.message}`;
    throw e;
  }
  throw new Error('not refused');
};

describe('quality rules', () => {
  it('reads a YAML list and a JSON {checks: [...]} alike', () => {
    const yaml = parseRules('- name: a\n  check_type: not_null\n  column_name: id\n', 'r.yml');
    const json = parseRules('{"checks":[{"name":"a","check_type":"not_null","column_name":"id"}]}', 'r.json');
    expect(yaml).toEqual(json);
    expect(yaml).toEqual([{ name: 'a', check_type: 'not_null', column_name: 'id' }]);
  });

  it('refuses unparsable text, a missing field and duplicate names, naming the file', () => {
    expect(refusal('{"checks": [', 'bad.json')).toMatch(/^bad\.json: .*cannot parse the rules/);
    expect(refusal('- name: a\n', 'r.yaml')).toMatch(/^r\.yaml: .*0\.check_type/);
    expect(refusal('- {name: a, check_type: not_null}\n- {name: a, check_type: positive}', 'r.yaml')).toContain('two checks are named "a"');
  });

  it('builds no query for an unknown type, a missing column or missing params', () => {
    expect(() => checkQueries({ name: 'x', check_type: 'freshness' }, ['id'])).toThrow(/unknown check_type "freshness"/);
    expect(() => checkQueries({ name: 'x', check_type: 'positive', column_name: 'amount' }, ['id'])).toThrow(/column "amount" is not in the table/);
    expect(() => checkQueries({ name: 'x', check_type: 'accepted_values', column_name: 'id', params: {} }, ['id'])).toThrow(/params.accepted/);
    expect(() => checkQueries({ name: 'x', check_type: 'row_count_range' }, ['id'])).toThrow(/min_count/);
  });
});
