// Every file the library writes goes through here, to the platform's atomic
// write (in Node: temp file + fsync + rename, src/util/nodeFiles.ts), so an
// interrupted run never leaves a half-written file behind.
import { platform } from '#platform';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  platform.writeFileAtomic(path, data);
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
