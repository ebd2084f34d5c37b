/**
 * At most `max` tasks at once; up to `maxWaiting` more wait their turn, and beyond that `run` refuses at once
 * (null) rather than queue without bound. Keeps expensive work (scrypt) from filling the thread pool that
 * everything else on the server shares.
 */
export class Semaphore {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly max: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T | null> {
    if (this.running >= this.max) {
      if (this.waiting.length >= this.maxWaiting) return null;
      // Woken with the slot of the task that finished: `running` already counts it.
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else {
      this.running++;
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
