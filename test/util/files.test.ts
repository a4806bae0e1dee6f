// Issue 14 acceptance 3: every file is written atomically (temp + fsync +
// rename), every writer in src/ goes through writeFileAtomic, and a run
// folder is locked against a second run, with an earlier run's files moved
// to previous/ (never mixed with the new run's).
import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { spawn, spawnSync } from 'node:child_process';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../../src/util/files.js';
import { removeStaleTempFiles } from '../../src/util/nodeFiles.js';
import { acquireRunFolder, LOCK_FILE } from '../../src/util/runFolder.js';
import { ConfigError, RunFolderError } from '../../src/errors.js';

const root = join(import.meta.dirname, '..', '..');
const tmp = () => mkdtempSync(join(tmpdir(), 'xk-files-'));

function listSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listSources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

describe('issue 14: atomic writes (acceptance 3)', () => {
  it('item "export writes in place (O_TRUNC, no rename)": no writer in src/ or bench/ bypasses writeFileAtomic', () => {
    const offenders = [...listSources(join(root, 'src')), ...listSources(join(root, 'bench'))]
      .filter((f) => !f.endsWith(join('util', 'files.ts')) && !f.endsWith(join('util', 'runFolder.ts')))
      .filter((f) => /\b(writeFileSync|writeFile|createWriteStream|appendFileSync|appendFile)\s*\(/.test(readFileSync(f, 'utf8')));
    expect(offenders).toEqual([]);
  });

  it('writes the whole file, leaves no temporary file, replaces an old one by rename', () => {
    const d = tmp();
    const f = join(d, 'sub', 'model.bin');
    writeFileAtomic(f, new Uint8Array([1, 2, 3]));
    writeFileAtomic(f, 'hello');
    expect(readFileSync(f, 'utf8')).toBe('hello');
    expect(readdirSync(join(d, 'sub'))).toEqual(['model.bin']);
  });

  it('item "export --out <directory>": a folder as target is a ConfigError, the folder untouched', () => {
    const d = tmp();
    expect(() => writeFileAtomic(d, 'x')).toThrow(ConfigError);
    expect(readdirSync(d)).toEqual([]);
  });

  it('a process killed while writing leaves the previous file whole (the kill hits the temporary file)', () => {
    const d = tmp();
    const f = join(d, 'model.xnk');
    writeFileAtomic(f, Buffer.alloc(14016, 7));
    // A child writes 200 MB over the same path and is killed after 300 ms, mid-write.
    const child = spawn(process.execPath, ['--import', 'tsx', '-e',
      `import('${join(root, 'src/util/files.ts').replace(/\\/g, '/')}').then((m) => { for (;;) m.writeFileAtomic(${JSON.stringify(f)}, Buffer.alloc(200 << 20, 1)); })`], { cwd: root });
    return new Promise<void>((resolve) => {
      setTimeout(() => child.kill('SIGKILL'), 1500);
      child.on('exit', () => {
        const b = readFileSync(f);
        // Either the old file or a complete new one, never a truncated one.
        expect(b.length === 14016 || b.length === 200 << 20).toBe(true);
        if (b.length === 14016) expect(b.every((x) => x === 7)).toBe(true);
        // The dead child's temporary file is recognised and removed.
        removeStaleTempFiles(d);
        expect(readdirSync(d)).toEqual(['model.xnk']);
        resolve();
      });
    });
  }, 60_000);
});

describe('issue 14: run folder lock (acceptance 3)', () => {
  it('item "two runs with the same --out mix their files": a second run fails naming the holder', () => {
    const d = tmp();
    const a = acquireRunFolder(d, 'train');
    try {
      // Another live process holds it: this test process's parent stands in for it.
      writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid: process.ppid, host: hostname(), command: 'experiment', started: 'now' }));
      expect(() => acquireRunFolder(d, 'train')).toThrow(RunFolderError);
      expect(() => acquireRunFolder(d, 'train')).toThrow(new RegExp(`in use by process ${process.ppid} \\(xnorkit experiment`));
    } finally {
      a.release();
    }
  });

  it('a stale lock (its process is gone) is taken over, with leftovers of the killed run removed', () => {
    const d = tmp();
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    const pid = Number(dead.stdout);
    writeFileSync(join(d, LOCK_FILE), JSON.stringify({ pid, host: hostname(), command: 'train', started: 'then' }));
    writeFileSync(join(d, `results.json.${pid}.tmp`), '{"half');
    const f = acquireRunFolder(d, 'train');
    expect(JSON.parse(readFileSync(join(d, LOCK_FILE), 'utf8')).pid).toBe(process.pid);
    expect(existsSync(join(d, `results.json.${pid}.tmp`))).toBe(false);
    f.release();
    expect(existsSync(join(d, LOCK_FILE))).toBe(false);
  });

  it('item "a killed run leaves its new config.json beside the previous run\'s results.json": earlier files move to previous/', () => {
    const d = tmp();
    writeFileSync(join(d, 'results.json'), '{"seed": 1}');
    mkdirSync(join(d, 'charts'));
    const f = acquireRunFolder(d, 'train');
    f.release();
    expect(f.previous).not.toBeNull();
    expect(readdirSync(d).sort()).toEqual(['previous']);
    expect(readFileSync(join(f.previous!, 'results.json'), 'utf8')).toBe('{"seed": 1}');
    expect(existsSync(join(f.previous!, 'charts'))).toBe(true);
  });
});
