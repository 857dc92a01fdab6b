/**
 * Main's side of the engine: forks electron/engine-process.ts as a utilityProcess, forwards calls over
 * a MessagePort, answers its keychain requests, and restarts it when it dies — calls in flight fail
 * with ENGINE_RESTARTED and the renderer gets an `engine-restarted` event.
 */
import { app, MessageChannelMain, utilityProcess, type MessagePortMain, type UtilityProcess } from 'electron';
import type { WorkbenchEvent, WorkbenchMethod } from '../core/api/workbench';
import { SECRET_BOX_FLAG, type EngineToMain, type MainToEngine, type Outcome } from './engine-protocol';
import { runSecretOp, secretBoxKind } from './safe-storage-box';

/** A crash loop (e.g. a broken native module) stops restarting after this many quick deaths. */
const MAX_QUICK_RESTARTS = 5;
const QUICK_MS = 10_000;

export class EngineHost {
  private child?: UtilityProcess;
  private port?: MessagePortMain;
  private next = 0;
  private readonly pending = new Map<number, (outcome: Outcome) => void>();
  private quickDeaths = 0;
  private stopping = false;

  constructor(
    private readonly entry: string,
    private readonly onEvent: (event: WorkbenchEvent) => void,
  ) {}

  start(): void {
    const startedAt = Date.now();
    const child = utilityProcess.fork(this.entry, [`${SECRET_BOX_FLAG}${secretBoxKind()}`], {
      serviceName: 'Lakebench engine',
      // Packaged, the sample lake ships as an extra resource (electron-builder.yml), outside app.asar.
      env: { ...process.env, ...(app.isPackaged && { LAKEBENCH_RESOURCES: process.resourcesPath }) },
    });
    const { port1, port2 } = new MessageChannelMain();
    child.postMessage('port', [port2]);
    port1.on('message', ({ data }: { data: EngineToMain }) => this.receive(data));
    port1.start();
    child.once('exit', (code) => this.died(code, Date.now() - startedAt));
    this.child = child;
    this.port = port1;
  }

  call(method: WorkbenchMethod, args: unknown): Promise<Outcome> {
    if (!this.port) return Promise.resolve(restarted('the engine is not running'));
    const id = ++this.next;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.send({ kind: 'call', id, method, args });
    });
  }

  stop(): void {
    this.stopping = true;
    this.child?.kill();
  }

  private receive(message: EngineToMain): void {
    if (message.kind === 'event') return this.onEvent(message.event);
    if (message.kind === 'secret') {
      let outcome: Outcome;
      try {
        outcome = { ok: true, value: runSecretOp(message.op, message.data) };
      } catch (e) {
        outcome = { ok: false, error: { code: 'CORRUPT', message: `the OS keychain cannot ${message.op} the secret: ${(e as Error).message}` } };
      }
      return this.send({ kind: 'secret-reply', id: message.id, ...outcome });
    }
    const { kind: _kind, id, ...outcome } = message;
    this.pending.get(id)?.(outcome as Outcome);
    this.pending.delete(id);
  }

  private send(message: MainToEngine): void {
    this.port?.postMessage(message);
  }

  private died(code: number, livedMs: number): void {
    this.port?.close();
    this.port = undefined;
    this.child = undefined;
    for (const resolve of this.pending.values()) resolve(restarted(`the engine stopped (exit code ${code})`));
    this.pending.clear();
    if (this.stopping) return;
    this.quickDeaths = livedMs < QUICK_MS ? this.quickDeaths + 1 : 0;
    if (this.quickDeaths > MAX_QUICK_RESTARTS) {
      this.onEvent({ type: 'engine-restarted', reason: `the engine keeps stopping (exit code ${code}): run \`npx lakebench doctor\` in the Lakebench folder to see why, then restart Lakebench` });
      return;
    }
    this.start();
    this.onEvent({ type: 'engine-restarted', reason: `the engine stopped (exit code ${code}) and was restarted; open results were lost` });
  }
}

function restarted(message: string): Outcome {
  return { ok: false, error: { code: 'ENGINE_RESTARTED', message } };
}
