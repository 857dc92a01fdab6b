/**
 * Sealing of connection secrets at rest. The catalog stores only sealed bytes; the engine opens them
 * when it connects. In Electron the box is backed by safeStorage (the OS keychain: Keychain, DPAPI,
 * libsecret) — see electron/. Without Electron (`lakebench serve`) the fallback below is used.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { LakebenchError } from '../errors';

export interface SecretBox {
  /** What protects the secrets, for the settings screen: `os-keychain` or `key-file`. */
  readonly kind: string;
  seal(plain: string): Promise<Uint8Array>;
  open(sealed: Uint8Array): Promise<string>;
}

const VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Web-mode fallback: AES-256-GCM with a random key in a file readable by the user only (0600) next to
 * the catalog ($LAKEBENCH_HOME/secret.key).
 *
 * Why and what it protects against: there is no OS keychain API in plain Node. Keeping the key apart
 * from the catalog means a copied, synced, backed-up or shared catalog.sqlite (support bundles, dotfile
 * repos, cloud-synced folders that skip key files) reveals no credential, and GCM detects tampering.
 * It does NOT protect against someone who can read the user's home folder: they can read the key file
 * too. That is the job of the OS keychain, which the desktop app uses.
 */
export class KeyFileSecretBox implements SecretBox {
  readonly kind = 'key-file';
  private key?: Promise<Buffer>;

  constructor(readonly keyPath: string) {}

  async seal(plain: string): Promise<Uint8Array> {
    const key = await this.loadKey();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([Buffer.from([VERSION]), iv, cipher.getAuthTag(), body]);
  }

  async open(sealed: Uint8Array): Promise<string> {
    const key = await this.loadKey();
    const bytes = Buffer.from(sealed);
    if (bytes[0] !== VERSION || bytes.length < 1 + IV_BYTES + TAG_BYTES) {
      throw new LakebenchError('CORRUPT', 'sealed secret has an unknown format', { object: this.keyPath });
    }
    const iv = bytes.subarray(1, 1 + IV_BYTES);
    const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
    const decipher = createDecipheriv('aes-256-gcm', key, iv);
    decipher.setAuthTag(tag);
    try {
      return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (e) {
      throw new LakebenchError('CORRUPT', 'cannot open a sealed secret: the key file changed or the catalog was tampered with', {
        object: this.keyPath,
        cause: e,
      });
    }
  }

  private loadKey(): Promise<Buffer> {
    return (this.key ??= this.readOrCreateKey());
  }

  private async readOrCreateKey(): Promise<Buffer> {
    await mkdir(dirname(this.keyPath), { recursive: true, mode: 0o700 });
    try {
      // `wx`: never replace an existing key, which would make every stored secret unreadable.
      await writeFile(this.keyPath, randomBytes(KEY_BYTES), { flag: 'wx', mode: 0o600 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new LakebenchError('IO', `cannot create the secret key file: ${(e as Error).message}`, { object: this.keyPath, cause: e });
      }
    }
    // A key file copied in with wider permissions is narrowed rather than refused.
    if (process.platform !== 'win32' && ((await stat(this.keyPath)).mode & 0o077) !== 0) await chmod(this.keyPath, 0o600);
    const key = await readFile(this.keyPath);
    if (key.length !== KEY_BYTES) throw new LakebenchError('CORRUPT', `the secret key file must hold ${KEY_BYTES} bytes`, { object: this.keyPath });
    return key;
  }
}
