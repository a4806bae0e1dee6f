// The Node implementation of the platform boundary (src/platform/types.ts).
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import cliProgress from 'cli-progress';
import { writeFileAtomic } from '../util/nodeFiles.js';
import type { KernelWorker, KernelWorkerInit, Platform, TerminalBar } from './types.js';

export type { KernelWorker, KernelWorkerInit, Platform, TerminalBar } from './types.js';

const modules = new Map<string, WebAssembly.Module>();

/** build/NAME of this package (src/platform -> ../../build, and the same from dist/platform). */
export function buildFile(file: string): string {
  return fileURLToPath(new URL(`../../build/${file}`, import.meta.url));
}

export const platform: Platform = {
  name: 'node',
  syncWorkers: true,
  canBlock: () => true,
  sharedMemory: () => true,
  processors: () => availableParallelism(),

  kernelModuleSync(file) {
    const cached = modules.get(file);
    if (cached) return cached;
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      bytes = new Uint8Array(readFileSync(buildFile(file)));
    } catch {
      throw new Error(`xnorkit: kernel module not found at ${buildFile(file)}; run "npm run build" (npm install runs it too)`);
    }
    const m = new WebAssembly.Module(bytes);
    modules.set(file, m);
    return m;
  },

  startKernelWorker(source: string, init: KernelWorkerInit): KernelWorker {
    // The worker body reads its start data from `self.workerInit`, the same in Node and in a browser.
    const prelude = "const { workerData } = require('node:worker_threads'); const workerInit = workerData;\n";
    const worker = new Worker(prelude + source, { eval: true, workerData: init });
    // Workers must not keep the process alive once the main work is done.
    worker.unref();
    return { ready: Promise.resolve(), terminate: () => void worker.terminate() };
  },

  readFile: (path) => readFileSync(path),
  writeFileAtomic: (path, data) => writeFileAtomic(path, data),
  exists: (path) => existsSync(path),
  isDirectory: (path) => statSync(path).isDirectory(),
  fileSize: (path) => statSync(path).size,
  joinPath: (...parts) => join(...parts),
  packageDir(name) {
    try {
      return dirname(createRequire(import.meta.url).resolve(`${name}/package.json`));
    } catch {
      return null;
    }
  },
  gunzip: (bytes) => gunzipSync(bytes),
  yieldTask: () => new Promise<void>((resolve) => setImmediate(resolve)),
  logLine: (line) => void process.stderr.write(line + '\n'),
  isTerminal: () => process.stderr.isTTY === true,
  terminalBar(format): TerminalBar {
    return new cliProgress.SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic);
  },
};
