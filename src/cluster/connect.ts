// One Redis connection for results and models, checked up front: ioredis
// retries a missing server forever, and a coordinator or worker should say
// at once that the queue cannot be reached.
import { Redis } from 'ioredis';
import { ClusterError } from '../errors.js';
import { queueUrl } from './keys.js';

export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(queueUrl(url), { lazyConnect: true, connectTimeout: 5000, maxRetriesPerRequest: null });
  try {
    await redis.connect();
    await redis.ping();
  } catch (e) {
    redis.disconnect();
    throw new ClusterError(`cannot reach the queue's Redis at ${redactUrl(url)}: ${(e as Error).message}`);
  }
  return redis;
}

/** The URL without its password, for logs and results.json. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
