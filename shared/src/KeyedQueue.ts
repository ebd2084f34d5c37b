/**
 * Runs tasks one at a time per key (here: one peer's SFU requests), in the order they arrive; tasks of
 * different keys run side by side. A failing task does not stop the ones after it. Keys with nothing
 * queued are forgotten, so the map holds only peers with requests under way.
 */
export class KeyedQueue {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(task, task);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with tasks queued or running. */
  get size(): number {
    return this.tails.size;
  }
}
