// Trained models travel between machines as training-state bytes (.xnks,
// src/nn/checkpoint.ts): in Redis next to the queue, or as files in a
// directory every machine mounts (NFS, a Kubernetes volume, a SLURM
// scratch), chosen per run. Models are content-addressed by their training
// recipe, so a model is trained once and every chip job loads the same bytes.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { writeFileAtomic } from '../util/files.js';
import { keys } from './keys.js';
import type { ModelStore } from './spec.js';

export interface ModelBytes {
  get(modelKey: string): Promise<Uint8Array | null>;
  put(modelKey: string, bytes: Uint8Array): Promise<void>;
  /** Where the model lives, for results.json. */
  where(modelKey: string): string;
}

export function dirStore(path: string): ModelBytes {
  const file = (k: string) => join(path, `${k}.xnks`);
  return {
    get: async (k) => (existsSync(file(k)) ? new Uint8Array(readFileSync(file(k))) : null),
    put: async (k, bytes) => writeFileAtomic(file(k), bytes),
    where: (k) => file(k),
  };
}

export function redisStore(redis: Redis): ModelBytes {
  return {
    get: async (k) => {
      const b = await redis.getBuffer(keys.model(k));
      return b ? new Uint8Array(b.buffer, b.byteOffset, b.byteLength) : null;
    },
    put: async (k, bytes) => { await redis.set(keys.model(k), Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)); },
    where: (k) => `redis:${keys.model(k)}`,
  };
}

/** Models kept in this process only (a shard with no shared directory trains what it needs). */
export function memoryStore(): ModelBytes {
  const m = new Map<string, Uint8Array>();
  return {
    get: async (k) => m.get(k) ?? null,
    put: async (k, bytes) => { m.set(k, bytes); },
    where: (k) => `memory:${k}`,
  };
}

export function openStore(store: ModelStore, redis: Redis | null): ModelBytes {
  if (store.kind === 'dir') return dirStore(store.path);
  if (!redis) throw new Error('openStore: a Redis model store needs a Redis connection');
  return redisStore(redis);
}
