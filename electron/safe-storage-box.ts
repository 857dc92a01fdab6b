/**
 * Connection secrets sealed with Electron safeStorage (macOS Keychain, Windows DPAPI, libsecret/kwallet
 * on Linux). Lives in main, the only process where safeStorage works; the engine asks for it over its port.
 */
import { safeStorage } from 'electron';
import type { SecretBoxKind } from './engine-protocol';

/**
 * The keychain is used only when it really encrypts: on Linux without a secret service, safeStorage
 * falls back to a hard-coded key ("basic_text"), which is weaker than the engine's own key file.
 */
export function secretBoxKind(): SecretBoxKind {
  if (!safeStorage.isEncryptionAvailable()) return 'key-file';
  if (process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text') return 'key-file';
  return 'os-keychain';
}

/** `data` is the plain text (seal) or base64 of the sealed bytes (open); the reply mirrors it. */
export function runSecretOp(op: 'seal' | 'open', data: string): string {
  return op === 'seal' ? safeStorage.encryptString(data).toString('base64') : safeStorage.decryptString(Buffer.from(data, 'base64'));
}
