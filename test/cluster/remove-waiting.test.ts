// removeWaiting (the coordinator's clean-up on Ctrl-C and on failure) against
// a queue whose workers take jobs between its two reads: a job seen waiting
// but locked by the time it is removed must not fail the clean-up (BullMQ's
// job.remove() throws then; Queue.remove returns 0). No Redis needed.
import { describe, it, expect } from 'vitest';
import type { Job } from 'bullmq';
import { removeWaiting, type RemovableQueue } from '../../src/cluster/coordinator.js';

type State = 'waiting' | 'delayed' | 'prioritized' | 'active' | 'completed' | 'failed';

/** A queue of jobs in the given states; `takenBeforeRemove` jobs become active between getState and remove. */
function fakeQueue(states: Record<string, State>, takenBeforeRemove: Set<string>) {
  const removed: string[] = [];
  const queue: RemovableQueue = {
    getJob: async (id: string) => (id in states
      ? ({
          id, getState: async () => {
            const s = states[id];
            if (takenBeforeRemove.has(id)) states[id] = 'active';
            return s;
          },
          remove: async () => { throw new Error(`Job ${id} could not be removed because it is locked by another worker`); },
        } as unknown as Job)
      : undefined),
    remove: async (id: string) => {
      if (states[id] === 'active') return 0;
      removed.push(id);
      delete states[id];
      return 1;
    },
  };
  return { queue, removed, states };
}

describe('removeWaiting', () => {
  it('removes waiting, delayed, prioritized and finished jobs; leaves active ones and unknown ids', async () => {
    const { queue, removed, states } = fakeQueue(
      { a: 'waiting', b: 'active', c: 'delayed', d: 'prioritized', e: 'failed', f: 'completed' }, new Set());
    expect(await removeWaiting(queue, ['a', 'b', 'c', 'd', 'e', 'f', 'gone'])).toBe(5);
    expect(removed.sort()).toEqual(['a', 'c', 'd', 'e', 'f']);
    expect(states).toEqual({ b: 'active' });
  });

  it('a job a worker takes between the state read and the removal is left to finish, without an error', async () => {
    const { queue, removed, states } = fakeQueue({ a: 'waiting', b: 'waiting', c: 'waiting' }, new Set(['b']));
    expect(await removeWaiting(queue, ['a', 'b', 'c'])).toBe(2);
    expect(removed).toEqual(['a', 'c']);
    expect(states).toEqual({ b: 'active' });
  });
});
