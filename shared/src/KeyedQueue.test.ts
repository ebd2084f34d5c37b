import { describe, expect, it } from 'vitest';
import { KeyedQueue } from './KeyedQueue.js';

const later = <T>(ms: number, value: T, log: string[], name: string) =>
  new Promise<T>((resolve) => setTimeout(() => (log.push(name), resolve(value)), ms));

describe('KeyedQueue', () => {
  it('runs one key in arrival order, other keys alongside, and forgets idle keys', async () => {
    const queue = new KeyedQueue();
    const log: string[] = [];
    const results = await Promise.all([
      queue.run('a', () => later(30, 1, log, 'a1')),
      queue.run('a', () => later(1, 2, log, 'a2')),
      queue.run('b', () => later(10, 3, log, 'b1')),
    ]);
    expect(results).toEqual([1, 2, 3]);
    expect(log).toEqual(['b1', 'a1', 'a2']);
    await new Promise((r) => setTimeout(r, 0));
    expect(queue.size).toBe(0);
  });

  it('goes on after a failing task', async () => {
    const queue = new KeyedQueue();
    const failed = queue.run('a', () => Promise.reject(new Error('no')));
    const next = queue.run('a', async () => 'ok');
    await expect(failed).rejects.toThrow('no');
    await expect(next).resolves.toBe('ok');
  });
});
