// Where a distributed run keeps things in Redis, and how a queue URL
// (redis://HOST:PORT/DB) becomes a connection. Results live in one hash per
// study, one field per job id: a retried job writes the same field again, so
// a retry can never count twice, and a coordinator started again with
// --resume finds everything that finished.
import { ConfigError } from '../errors.js';

/** The one BullMQ queue every xnorkit worker listens on; jobs name their study. */
export const QUEUE_NAME = 'xnorkit';

export const keys = {
  results: (study: string) => `xnorkit:study:${study}:results`,
  spec: (study: string) => `xnorkit:study:${study}:spec`,
  model: (modelKey: string) => `xnorkit:model:${modelKey}`,
};

/** Checks a queue URL; BullMQ and ioredis take it as `{ url }`. */
export function queueUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new ConfigError(`--queue expects a Redis URL such as redis://127.0.0.1:6379/0, got "${url}"`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new ConfigError(`--queue expects a redis:// or rediss:// URL, got "${url}"`);
  const db = u.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d+$/.test(db)) throw new ConfigError(`the database in a Redis URL is a number (redis://HOST:PORT/DB), got "${db}"`);
  return url;
}
