// Results are written atomically (temp file + rename) so that an interrupted
// run never leaves a half-written results.json behind.
import { platform } from '#platform';

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  platform.writeFileAtomic(path, data);
}

export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, JSON.stringify(value, null, 2) + '\n');
}
