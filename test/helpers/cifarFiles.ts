// Writes a CIFAR-10 "binary version" directory (data_batch_1..5.bin,
// test_batch.bin) of generated records: label byte, then R, G, B planes of
// 32x32. Each class has its own mean colour plus noise, so a model can learn
// something from a few hundred records.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CIFAR_RECORD = 3073;

export function cifarRecords(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n * CIFAR_RECORD);
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  };
  for (let r = 0; r < n; r++) {
    const label = (r * 7 + seed) % 10;
    out[r * CIFAR_RECORD] = label;
    for (let c = 0; c < 3; c++) {
      const mean = (label * 25 + c * 80) % 256;
      for (let p = 0; p < 1024; p++) out[r * CIFAR_RECORD + 1 + c * 1024 + p] = Math.min(255, Math.max(0, mean + (next() >> 2) - 32));
    }
  }
  return out;
}

/** Five train batches of `perBatch` records and a test batch of `test` records in dir. */
export function writeCifarDir(dir: string, perBatch: number, test: number): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 1; i <= 5; i++) writeFileSync(join(dir, `data_batch_${i}.bin`), cifarRecords(perBatch, i));
  writeFileSync(join(dir, 'test_batch.bin'), cifarRecords(test, 99));
}
