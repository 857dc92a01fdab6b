/** The bucket views' Query action: a new SQL tab over a view of the bucket, run at once. */
import type { TabBinding } from './editor';
import { useEditor } from './editor';
import { useResults } from './results';

/** A folder name as a SQL name a binding accepts (`my-bucket` → `my_bucket`). */
export function sqlName(name: string): string {
  const cleaned = name.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(cleaned) ? cleaned : `_${cleaned}`;
}

/** Opens a tab titled `title` with `sql` over `binding` (besides the workspace lake) and runs it. */
export function queryInNewTab(title: string, sql: string, binding: TabBinding): Promise<void> {
  const bindings = [binding];
  const tabId = useEditor.getState().addTab({ title, sql, bindings });
  return useResults.getState().run(tabId, sql, 0, bindings);
}
