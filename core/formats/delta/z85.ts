/**
 * Z85 (ZeroMQ's base-85, rfc.zeromq.org/spec/32) as Delta uses it for deletion vectors: UUIDs of DV
 * files and inline bitmaps. Delta pads the bytes with zeros to a multiple of 4 before encoding and
 * keeps the real length beside the text (`sizeInBytes`), which the npm Z85 packages do not support
 * (they refuse lengths that are not multiples of 4), hence these few lines.
 */
import { LakebenchError } from '../../errors';

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#';
const VALUE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** Bytes of Z85 text (length a multiple of 5). `object` names what holds the text, for the error. */
export function z85Decode(text: string, object?: string): Uint8Array {
  if (text.length % 5 !== 0) {
    throw new LakebenchError('CORRUPT', `Z85 text of ${text.length} characters is not a multiple of 5`, { object });
  }
  const bytes = new Uint8Array((text.length / 5) * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0, o = 0; i < text.length; i += 5, o += 4) {
    let value = 0;
    for (let j = 0; j < 5; j++) {
      const code = text.charCodeAt(i + j);
      const digit = code < 128 ? VALUE[code] : -1;
      if (digit < 0) throw new LakebenchError('CORRUPT', `"${text[i + j]}" is not a Z85 character`, { object });
      value = value * 85 + digit;
    }
    if (value > 0xffffffff) throw new LakebenchError('CORRUPT', `Z85 group "${text.slice(i, i + 5)}" is out of range`, { object });
    view.setUint32(o, value);
  }
  return bytes;
}

/** Z85 text of `bytes`, zero-padded to a multiple of 4 bytes first (as Delta does). */
export function z85Encode(bytes: Uint8Array): string {
  const padded = new Uint8Array(Math.ceil(bytes.length / 4) * 4);
  padded.set(bytes);
  const view = new DataView(padded.buffer);
  let text = '';
  for (let o = 0; o < padded.length; o += 4) {
    let value = view.getUint32(o);
    const group = new Array<string>(5);
    for (let j = 4; j >= 0; j--) {
      group[j] = ALPHABET[value % 85];
      value = Math.floor(value / 85);
    }
    text += group.join('');
  }
  return text;
}

/** The canonical text of a UUID from its 16 bytes (the 20 Z85 characters of a DV file name). */
export function uuidFromBytes(bytes: Uint8Array): string {
  const hex = Buffer.from(bytes).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function uuidToBytes(uuid: string): Uint8Array {
  return new Uint8Array(Buffer.from(uuid.replaceAll('-', ''), 'hex'));
}
