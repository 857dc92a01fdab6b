/** Files the user picked or dropped, as paths the engine can import from: uploaded to the server in web mode, read in place in Electron. */
import { api } from '../api/client';

export async function enginePaths(files: readonly File[]): Promise<string[]> {
  const client = api();
  if (client.pathOfFile) return files.map((file) => client.pathOfFile!(file));
  if (!client.uploadFile) throw new Error('this app cannot take files from the page');
  const paths: string[] = [];
  for (const file of files) paths.push(await client.uploadFile(file)); // one at a time: uploads share one connection's bandwidth anyway
  return paths;
}

/** The files a drag carries, if it carries files (not text or a link). */
export function draggedFiles(e: React.DragEvent): File[] | undefined {
  return e.dataTransfer.types.includes('Files') ? Array.from(e.dataTransfer.files) : undefined;
}
