/**
 * Monaco, bundled: the core editor API plus the contributions a SQL editor uses (not the ~80 languages
 * and TypeScript/JSON workers of the full `monaco-editor` entry). The one worker Monaco needs is built
 * by Vite as a separate file, so nothing loads from a CDN and the CSP stays `worker-src 'self'`.
 */
import * as monaco from 'monaco-editor/editor/editor.api';
import 'monaco-editor/editor/contrib/bracketMatching/browser/bracketMatching';
import 'monaco-editor/editor/contrib/clipboard/browser/clipboard';
import 'monaco-editor/editor/contrib/comment/browser/comment';
import 'monaco-editor/editor/contrib/contextmenu/browser/contextmenu';
import 'monaco-editor/editor/contrib/find/browser/findController';
import 'monaco-editor/editor/contrib/folding/browser/folding';
import 'monaco-editor/editor/contrib/hover/browser/hoverContribution';
import 'monaco-editor/editor/contrib/linesOperations/browser/linesOperations';
import 'monaco-editor/editor/contrib/multicursor/browser/multicursor';
import 'monaco-editor/editor/contrib/suggest/browser/suggestController';
import 'monaco-editor/editor/contrib/wordHighlighter/browser/wordHighlighter';
import 'monaco-editor/editor/contrib/wordOperations/browser/wordOperations';
import 'monaco-editor/editor/contrib/gotoError/browser/gotoError';
import 'monaco-editor/editor/browser/coreCommands';
import EditorWorker from 'monaco-editor/editor/editor.worker?worker';
import { registerDuckdbLanguage, DUCKDB_LANGUAGE_ID } from './duckdb-language';
import { registerCompletion } from './completion';

self.MonacoEnvironment = { getWorker: () => new EditorWorker() };

registerDuckdbLanguage(monaco);
registerCompletion(monaco, DUCKDB_LANGUAGE_ID);

export { monaco, DUCKDB_LANGUAGE_ID };
