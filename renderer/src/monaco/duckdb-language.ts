/**
 * DuckDB SQL for Monaco: a Monarch tokenizer for highlighting. Monaco's bundled `sql` language is
 * T-SQL flavoured (brackets, @variables); DuckDB is PostgreSQL flavoured with its own additions
 * (QUALIFY, PIVOT, EXCLUDE, ASOF, `::` casts, list/struct literals). Completion comes from the engine.
 */
import type * as Monaco from 'monaco-editor/editor/editor.api';

export const DUCKDB_LANGUAGE_ID = 'duckdb-sql';

/** The keywords users type most; the full list (duckdb_keywords()) also arrives through completion. */
const KEYWORDS = `select from where group by order having limit offset qualify window over partition rows range
between unbounded preceding following current row as distinct all any some on using join inner left right full
outer cross natural semi anti asof positional lateral union intersect except exclude replace rename columns
with recursive materialized values insert into update set delete create or table view temp temporary if not
exists drop alter add column describe summarize show tables explain analyze copy to format attach detach use
pivot unpivot case when then else end and is null like ilike glob similar in cast try_cast true false asc desc
nulls first last filter within struct map list array interval at time zone collate default primary key unique
references check returning conflict do nothing pragma install load export import macro function sequence
begin commit rollback transaction`.split(/\s+/);

const TYPES = `bigint binary bit blob boolean bool date decimal double float hugeint integer int interval json
real smallint text time timestamp timestamptz tinyint ubigint uhugeint uinteger usmallint utinyint uuid varchar
varint numeric char string`.split(/\s+/);

const tokenizer: Monaco.languages.IMonarchLanguage = {
  ignoreCase: true,
  defaultToken: '',
  tokenPostfix: '.sql',
  keywords: KEYWORDS,
  typeKeywords: TYPES,
  operators: ['=', '<>', '!=', '<', '>', '<=', '>=', '+', '-', '*', '/', '//', '%', '||', '::', '->', '->>', '~~'],
  symbols: /[=><!~?:&|+\-*/^%]+/,
  brackets: [
    { open: '(', close: ')', token: 'delimiter.parenthesis' },
    { open: '[', close: ']', token: 'delimiter.square' },
    { open: '{', close: '}', token: 'delimiter.curly' },
  ],
  tokenizer: {
    root: [
      [/--.*$/, 'comment'],
      [/\/\*/, 'comment', '@comment'],
      [/'/, 'string', '@string'],
      [/"/, 'identifier.quote', '@quoted'],
      [/\d+(\.\d+)?([eE][-+]?\d+)?/, 'number'],
      // A name followed by `(` is a function call.
      [/[a-zA-Z_][\w$]*(?=\s*\()/, 'predefined'],
      [/[a-zA-Z_][\w$]*/, { cases: { '@keywords': 'keyword', '@typeKeywords': 'type', '@default': 'identifier' } }],
      [/[()[\]{}]/, '@brackets'],
      [/@symbols/, { cases: { '@operators': 'operator', '@default': '' } }],
      [/[;,.]/, 'delimiter'],
      [/\s+/, 'white'],
    ],
    comment: [
      [/[^*/]+/, 'comment'],
      [/\*\//, 'comment', '@pop'],
      [/[*/]/, 'comment'],
    ],
    string: [
      [/[^']+/, 'string'],
      [/''/, 'string.escape'],
      [/'/, 'string', '@pop'],
    ],
    quoted: [
      [/[^"]+/, 'identifier.quote'],
      [/""/, 'identifier.quote'],
      [/"/, 'identifier.quote', '@pop'],
    ],
  },
};

const configuration: Monaco.languages.LanguageConfiguration = {
  comments: { lineComment: '--', blockComment: ['/*', '*/'] },
  brackets: [
    ['(', ')'],
    ['[', ']'],
    ['{', '}'],
  ],
  autoClosingPairs: [
    { open: '(', close: ')' },
    { open: '[', close: ']' },
    { open: '{', close: '}' },
    { open: "'", close: "'", notIn: ['string', 'comment'] },
    { open: '"', close: '"', notIn: ['string', 'comment'] },
  ],
};

export function registerDuckdbLanguage(monaco: typeof Monaco): void {
  monaco.languages.register({ id: DUCKDB_LANGUAGE_ID, aliases: ['DuckDB SQL'], extensions: ['.sql'] });
  monaco.languages.setMonarchTokensProvider(DUCKDB_LANGUAGE_ID, tokenizer);
  monaco.languages.setLanguageConfiguration(DUCKDB_LANGUAGE_ID, configuration);
}
