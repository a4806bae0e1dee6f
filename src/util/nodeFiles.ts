// The Node implementation of atomic writes (src/platform/node.ts uses it;
// src/util/files.ts is the portable entry). Every file xnorkit writes in Node is written to a temporary file in
// the same folder, flushed to disk (fsync), then renamed over the target. A
// rename within one file system is atomic, so a reader (or a run killed at
// any moment) sees either the old complete file or the new complete one,
// never a truncated mix. The temporary name carries the process id, so that
// leftovers of a killed process can be recognised and removed
// (removeStaleTempFiles, called when a run folder is taken).
import { type Dirent, closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../errors.js';

const TEMP_SUFFIX = /\.(\d+)\.tmp$/;

function tempName(path: string): string {
  return `${path}.${process.pid}.tmp`;
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new ConfigError(`cannot create the folder ${dir}: ${(e as Error).message}`);
  }
  let isDir = false;
  try {
    isDir = statSync(path).isDirectory();
  } catch { /* does not exist yet */ }
  if (isDir) throw new ConfigError(`${path} is a folder; give a file name`);
  const tmp = tempName(path);
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let fd = -1;
  try {
    fd = openSync(tmp, 'w');
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = -1;
    renameSync(tmp, path);
  } catch (e) {
    if (fd >= 0) closeSync(fd);
    rmSync(tmp, { force: true });
    throw new ConfigError(`cannot write ${path}: ${(e as Error).message}`, { cause: e });
  }
  // The rename itself is durable once the folder is flushed (not possible on every platform).
  try {
    const dfd = openSync(dir, 'r');
    try { fsyncSync(dfd); } finally { closeSync(dfd); }
  } catch { /* Windows cannot open folders */ }
}

/**
 * Removes the temporary files that writeFileAtomic left in `dir` and its
 * subfolders (previous/ excepted: an earlier run's files stay as they were):
 * those of process `pid` (this one, on a hard exit) or, without it, those of
 * processes that no longer run.
 */
export function removeStaleTempFiles(dir: string, pid?: number): string[] {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'previous') removed.push(...removeStaleTempFiles(path, pid));
      continue;
    }
    const m = TEMP_SUFFIX.exec(e.name);
    if (!m) continue;
    const owner = Number(m[1]);
    if (pid !== undefined ? owner !== pid : processAlive(owner)) continue;
    rmSync(path, { force: true });
    removed.push(path);
  }
  return removed;
}

/** True when a process with this id runs on this machine (or exists but is not ours to signal). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
