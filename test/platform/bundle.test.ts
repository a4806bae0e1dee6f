// The library bundles for the web: esbuild --bundle --platform=browser of the
// package entry points (resolved through package.json "exports" and the
// "#platform" import map, from dist/ as a user's bundler sees them) succeeds
// and pulls in no Node built-in module.
import { describe, it, expect } from 'vitest';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = join(import.meta.dirname, '..', '..');
const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

async function bundle(source: string) {
  const r = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'js' },
    bundle: true, platform: 'browser', format: 'esm', write: false, metafile: true, logLevel: 'silent',
  });
  return { text: r.outputFiles[0].text, inputs: Object.keys(r.metafile.inputs) };
}

/** Import specifiers left in the output that name a Node built-in. */
function builtinImports(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|require\s*\(\s*)["']([^"']+)["']/g)) if (BUILTINS.has(m[1])) found.add(m[1]);
  return [...found];
}

describe('browser bundles', () => {
  it("import * from 'xnorkit' bundles with no Node built-in and the browser platform", async () => {
    const { text, inputs } = await bundle("export * from 'xnorkit';");
    expect(builtinImports(text)).toEqual([]);
    expect(inputs.some((f) => f.endsWith('dist/platform/browser.js'))).toBe(true);
    expect(inputs.some((f) => f.endsWith('dist/platform/node.js'))).toBe(false);
    expect(inputs.some((f) => f.includes('experiment/'))).toBe(false);
    // the bundle still has the library: layers, training, the packed engine
    for (const name of ['QuantConv2D', 'fitAsync', 'InferenceModel']) expect(text).toContain(name);
  });

  it("import * from 'xnorkit/infer' bundles small, with no Node built-in and none of the training library", async () => {
    const { text, inputs } = await bundle("export * from 'xnorkit/infer';");
    expect(builtinImports(text)).toEqual([]);
    expect(inputs.filter((f) => f !== '<stdin>').every((f) => /dist\/(infer|errors|deploy\/inputScaling)/.test(f))).toBe(true);
    console.log(`xnorkit/infer browser bundle: ${text.length} bytes (the inference wasm embedded as base64)`);
    expect(text.length).toBeLessThan(60_000);
  });

  it('the check catches a Node built-in (it can fail)', () => {
    expect(builtinImports('import { readFileSync } from "node:fs"; const w = require("worker_threads");')).toEqual(['node:fs', 'worker_threads']);
  });
});
