/** Byte counts as the command reports print them: `1.5 MB`. */
import bytes from 'bytes';

export const byteSize = (n: number): string => bytes.format(n, { unitSeparator: ' ' }) ?? `${n} B`;
