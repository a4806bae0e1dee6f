// Initialises @tensorflow/tfjs with its WASM backend in Node, for benches that
// compare against it. In Node the backend cannot find its .wasm files next to
// the bundled JS, so they are pointed at explicitly before setBackend.
//
// Threads: tfjs-backend-wasm 4.x hard-codes WASM_HAS_MULTITHREAD_SUPPORT=false
// when IS_NODE (tfjs issue #3830), so in Node it always loads
// tfjs-backend-wasm-simd.wasm and XNNPACK runs single-threaded, whatever
// setThreadsCount says. Forcing the flag to true makes the threaded build try
// `new Worker('blob:...')`, which Node's worker_threads rejects (ERR_WORKER_PATH),
// so the backend fails to initialise: single-threaded SIMD is the only
// configuration tfjs-wasm has in Node. `tfjsWasmInfo()` reports what was loaded.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';

export type Tf = typeof tf;

let ready: Promise<Tf> | null = null;

function wasmDir(): string {
  const require = createRequire(import.meta.url);
  // package.json "main" is dist/tf-backend-wasm.node.js, so its folder holds the .wasm files.
  return dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/';
}

/** Returns the tf namespace with the 'wasm' backend active (idempotent). */
export function initTfjsWasm(): Promise<Tf> {
  ready ??= (async () => {
    setWasmPaths(wasmDir());
    const ok = await tf.setBackend('wasm');
    if (!ok || tf.getBackend() !== 'wasm') throw new Error('tfjs: could not activate the wasm backend');
    await tf.ready();
    return tf;
  })();
  return ready;
}

export interface TfjsWasmInfo {
  tfjsVersion: string;
  backend: string;
  simd: boolean;
  multithreadSupport: boolean;
  threads: number;
  wasmFile: string;
}

/** What the backend really runs with; call after initTfjsWasm(). */
export async function tfjsWasmInfo(): Promise<TfjsWasmInfo> {
  const simd = Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'));
  const multithreadSupport = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  const file = simd && multithreadSupport ? 'tfjs-backend-wasm-threaded-simd.wasm'
    : simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  return {
    tfjsVersion: tf.version.tfjs,
    backend: tf.getBackend(),
    simd,
    multithreadSupport,
    threads: getThreadsCount(),
    wasmFile: join(wasmDir(), file),
  };
}
