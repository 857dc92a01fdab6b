/**
 * Messages between Electron main and the engine utility process (electron/engine-process.ts) over one
 * MessagePort. The engine does all DuckDB and bucket work; main owns the window and the OS keychain
 * (safeStorage exists only in main), so the engine asks main to seal and open connection secrets.
 */
import type { WorkbenchErrorJson, WorkbenchEvent, WorkbenchMethod } from '../core/api/workbench';

export type Outcome = { ok: true; value: unknown } | { ok: false; error: WorkbenchErrorJson };

export type MainToEngine =
  | { kind: 'call'; id: number; method: WorkbenchMethod; args: unknown }
  | ({ kind: 'secret-reply'; id: number } & Outcome);

export type EngineToMain =
  | ({ kind: 'reply'; id: number } & Outcome)
  | { kind: 'event'; event: WorkbenchEvent }
  /** `data`: the plain text to seal, or base64 of the sealed bytes to open. */
  | { kind: 'secret'; id: number; op: 'seal' | 'open'; data: string };

/** argv flag telling the engine which SecretBox to use. */
export const SECRET_BOX_FLAG = '--secret-box=';
export type SecretBoxKind = 'os-keychain' | 'key-file';
