/** Byte counts as the command reports print them: `1.5 MB` (the engine's messages print them alike). */
export { formatSize as byteSize } from '../../units';
