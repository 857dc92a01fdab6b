/**
 * The engine in an Electron utilityProcess: DuckDB, SQLite and all bucket I/O run here, so a native
 * crash or a runaway query never takes the window down (main restarts this process). It receives one
 * MessagePort from main and answers WorkbenchApi calls on it; arguments were validated in main already.
 */
import type { MessagePortMain } from 'electron';
import { startWorkbench } from '../core/api/engine-start';
import type { SecretBox } from '../core/api/secret-box';
import { toErrorJson } from '../core/api/workbench-errors';
import { SECRET_BOX_FLAG, type EngineToMain, type MainToEngine, type Outcome } from './engine-protocol';

/** Seals and opens secrets through main's safeStorage. */
class MainSecretBox implements SecretBox {
  readonly kind = 'os-keychain';
  private next = 0;
  private readonly pending = new Map<number, (outcome: Outcome) => void>();

  constructor(private readonly port: MessagePortMain) {}

  async seal(plain: string): Promise<Uint8Array> {
    return Buffer.from(String(await this.ask('seal', plain)), 'base64');
  }

  async open(sealed: Uint8Array): Promise<string> {
    return String(await this.ask('open', Buffer.from(sealed).toString('base64')));
  }

  settle(id: number, outcome: Outcome): void {
    this.pending.get(id)?.(outcome);
    this.pending.delete(id);
  }

  private ask(op: 'seal' | 'open', data: string): Promise<unknown> {
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.pending.set(id, (outcome) => (outcome.ok ? resolve(outcome.value) : reject(new Error(outcome.error.message))));
      send(this.port, { kind: 'secret', id, op, data });
    });
  }
}

function send(port: MessagePortMain, message: EngineToMain): void {
  port.postMessage(message);
}

async function serve(port: MessagePortMain): Promise<void> {
  const useKeychain = process.argv.includes(`${SECRET_BOX_FLAG}os-keychain`);
  const secretBox = useKeychain ? new MainSecretBox(port) : undefined;
  // Without a usable keychain, the Workbench default (an AES-GCM key file, see secret-box.ts) applies.
  // An engine that cannot start stays up and says why (ENVIRONMENT errors, `doctor`): exiting would only
  // make main restart it until it gives up.
  const { workbench } = await startWorkbench({ secretBox });
  workbench.onEvent((event) => send(port, { kind: 'event', event }));

  port.on('message', ({ data }: { data: MainToEngine }) => {
    if (data.kind === 'secret-reply') {
      const { kind: _kind, id, ...outcome } = data;
      secretBox?.settle(id, outcome as Outcome);
      return;
    }
    const call = workbench[data.method] as (args: unknown) => Promise<unknown>;
    call
      .call(workbench, data.args)
      .then(
        (value): Outcome => ({ ok: true, value: value ?? null }),
        (e: unknown): Outcome => ({ ok: false, error: toErrorJson(e) }),
      )
      .then((outcome) => send(port, { kind: 'reply', id: data.id, ...outcome }));
  });
  port.start();
}

process.parentPort.once('message', (message) => void serve(message.ports[0]));
