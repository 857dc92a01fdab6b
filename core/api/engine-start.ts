/**
 * Starting the engine for a host (the Electron engine process, `lakebench serve`). When the workbench
 * cannot be created — a native module that does not load, a catalog that cannot be opened — the host gets
 * a stand-in instead of a crash: it answers `doctor` with the report, and every other call with an
 * ENVIRONMENT error naming the reason, so the window or the page can say what is wrong and what to do
 * (a crashing engine would only restart until the host gives up, in silence).
 */
import { LakebenchError } from '../errors';
import { runDoctor, type DoctorReport } from './doctor';
import { homeSettings } from './settings';
import { WORKBENCH_METHODS, type WorkbenchApi, type WorkbenchEvent } from './workbench';
import type { WorkbenchOptions } from './workbench-impl';

export interface HostedWorkbench extends WorkbenchApi {
  onEvent(listener: (event: WorkbenchEvent) => void): () => void;
  close(): Promise<void>;
}

export interface EngineStart {
  workbench: HostedWorkbench;
  /** Set when the engine could not start; `workbench` is then the stand-in. */
  failure?: { reason: string; report: DoctorReport };
}

function unavailable(reason: string, options: WorkbenchOptions): HostedWorkbench {
  const refuse = (): Promise<never> =>
    Promise.reject(new LakebenchError('ENVIRONMENT', `the engine cannot start: ${reason} (Help → Diagnostics, or \`lakebench doctor\`, says what to do)`));
  const methods = Object.fromEntries(WORKBENCH_METHODS.map((method) => [method, refuse])) as unknown as WorkbenchApi;
  return {
    ...methods,
    doctor: () => runDoctor(homeSettings(options)),
    onEvent: () => () => undefined,
    close: async () => undefined,
  };
}

export async function startWorkbench(options: WorkbenchOptions = {}): Promise<EngineStart> {
  try {
    // Imported here, not above: a native module that fails to load fails this import, which is caught.
    const { createWorkbench } = await import('./workbench-impl');
    return { workbench: createWorkbench(options) };
  } catch (e) {
    const reason = e instanceof Error ? e.message.split('\n')[0] : String(e);
    const report = await runDoctor(homeSettings(options));
    return { workbench: unavailable(reason, options), failure: { reason, report } };
  }
}
