import { describe, expect, it } from 'vitest';
import { clientAddress } from './clientAddress.js';
import { KeyedLimits, OpenCounts } from './KeyedLimits.js';
import { Semaphore } from './Semaphore.js';

describe('clientAddress', () => {
  it('is the socket peer unless that peer is a trusted proxy', () => {
    expect(clientAddress('::ffff:203.0.113.5', '198.51.100.1', [])).toBe('203.0.113.5');
    expect(clientAddress('10.0.0.2', '198.51.100.1', ['10.0.0.2'])).toBe('198.51.100.1');
  });

  it('takes the nearest untrusted hop, not what the client wrote itself', () => {
    expect(clientAddress('10.0.0.2', '1.1.1.1, 198.51.100.7, 10.0.0.3', ['10.0.0.2', '10.0.0.3'])).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.2', 'garbage, 198.51.100.7', ['10.0.0.2'])).toBe('198.51.100.7');
    expect(clientAddress('10.0.0.2', undefined, ['10.0.0.2'])).toBe('10.0.0.2');
  });
});

describe('KeyedLimits', () => {
  it('budgets each key, resets after the window, and remembers at most maxKeys', () => {
    let now = 0;
    const limits = new KeyedLimits(2, 1000, 3, () => now);
    expect([limits.take('a'), limits.take('a'), limits.take('a'), limits.take('b')]).toEqual([true, true, false, true]);
    expect(limits.has('a')).toBe(false);
    now = 1001;
    expect(limits.take('a')).toBe(true);
    for (const k of ['c', 'd', 'e']) limits.take(k);
    // 'a' was the least recently used: forgotten, so it has a fresh budget.
    expect(limits.has('a')).toBe(true);
  });
});

describe('OpenCounts', () => {
  it('counts open connections per key up to a limit', () => {
    const open = new OpenCounts(2);
    expect([open.open1('x'), open.open1('x'), open.open1('x')]).toEqual([true, true, false]);
    open.close1('x');
    expect(open.open1('x')).toBe(true);
  });
});

describe('Semaphore', () => {
  it('runs at most max at once, queues maxWaiting, and refuses beyond', async () => {
    const sem = new Semaphore(1, 1);
    let release = () => undefined as void;
    const first = sem.run(() => new Promise<string>((r) => (release = () => r('first'))));
    const second = sem.run(async () => 'second');
    expect(await sem.run(async () => 'third')).toBeNull();
    release();
    expect(await Promise.all([first, second])).toEqual(['first', 'second']);
  });
});
