// A run folder (`--out`) belongs to one run at a time. Taking it writes a lock
// file with this process's id; a second run on the same folder fails with a
// message naming the holder, and a lock whose process no longer runs (a
// killed run) is taken over. The files of an earlier run are moved to
// previous/<date>/ before the new run writes anything, so that a folder
// never mixes files of two runs (a config of one beside results of another).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { ConfigError, RunFolderError } from '../errors.js';
import { processAlive, removeStaleTempFiles } from './nodeFiles.js';

export const LOCK_FILE = '.xnorkit.lock';
export const PREVIOUS_DIR = 'previous';

interface LockInfo { pid: number; host: string; command: string; started: string }

export interface RunFolder {
  dir: string;
  /** Files of an earlier run that were moved away, and where to (null when the folder was new or empty). */
  previous: string | null;
  /** Gives the folder up (removes the lock); also done when the process exits. */
  release(): void;
}

function readLock(path: string): LockInfo | null {
  try {
    const l = JSON.parse(readFileSync(path, 'utf8')) as LockInfo;
    return typeof l?.pid === 'number' ? l : null;
  } catch {
    return null;
  }
}

function describe(l: LockInfo): string {
  return `process ${l.pid}${l.host !== hostname() ? ` on ${l.host}` : ''} (xnorkit ${l.command}, started ${l.started})`;
}

/** Takes `dir` for a run of `command`: lock, leftovers of killed runs removed, an earlier run's files moved to previous/. */
export function acquireRunFolder(dir: string, command: string): RunFolder {
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new ConfigError(`cannot create the run folder ${dir}: ${(e as Error).message}`);
  }
  const lockPath = join(dir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, host: hostname(), command, started: new Date().toISOString() };
  for (let attempt = 0; ; attempt++) {
    try {
      // 'wx': created only if absent, so two runs starting together cannot both get it.
      writeFileSync(lockPath, JSON.stringify(info) + '\n', { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new ConfigError(`cannot lock the run folder ${dir}: ${(e as Error).message}`);
      const holder = readLock(lockPath);
      const alive = holder !== null && (holder.host !== hostname() || processAlive(holder.pid));
      if (alive && attempt < 3) {
        throw new RunFolderError(`the run folder ${dir} is in use by ${describe(holder!)}; ` +
          `wait for it to finish or choose another output folder (if that process is gone, delete ${lockPath})`);
      }
      if (attempt >= 3) throw new RunFolderError(`cannot take the lock ${lockPath} (another run keeps taking it)`);
      // Stale (its process is gone) or unreadable (killed while writing it): take it over.
      rmSync(lockPath, { force: true });
    }
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.off('exit', release);
    const l = readLock(lockPath);
    if (l?.pid === process.pid) rmSync(lockPath, { force: true });
  };
  process.on('exit', release);
  try {
    removeStaleTempFiles(dir);
    const previous = moveEarlierRun(dir);
    return { dir, previous, release };
  } catch (e) {
    release();
    throw e;
  }
}

function moveEarlierRun(dir: string): string | null {
  const names = readdirSync(dir).filter((n) => n !== LOCK_FILE && n !== PREVIOUS_DIR);
  if (names.length === 0) return null;
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let target = join(dir, PREVIOUS_DIR, stamp);
  for (let i = 1; existsSync(target); i++) target = join(dir, PREVIOUS_DIR, `${stamp}-${i}`);
  mkdirSync(target, { recursive: true });
  for (const n of names) renameSync(join(dir, n), join(target, n));
  return target;
}
