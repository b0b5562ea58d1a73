/**
 * Wakes the requests of this process that wait on an item (long-polls for an outcome, event
 * streams) when it changes. Changes made here are emitted after their commit; changes made by
 * other servers arrive through the store's channel (see server.ts), and a lost channel
 * connection wakes everyone, since any change may have been missed.
 */
export class ItemEvents {
  readonly #listeners = new Map<string, Set<() => void>>();

  /** Calls `fn` on every change of the item until the returned function is called. */
  subscribe(itemId: string, fn: () => void): () => void {
    let set = this.#listeners.get(itemId);
    if (set === undefined) {
      set = new Set();
      this.#listeners.set(itemId, set);
    }
    set.add(fn);
    return () => {
      const current = this.#listeners.get(itemId);
      if (current === undefined) return;
      current.delete(fn);
      if (current.size === 0) this.#listeners.delete(itemId);
    };
  }

  /**
   * Resolves true when the item changes, false after `ms`. Subscribe before reading the state
   * you wait on, or a change between the read and the wait is missed: use `subscribe` for that.
   */
  next(itemId: string, ms: number, signal?: AbortSignal): Promise<boolean> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (changed: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        resolve(changed);
      };
      const onAbort = () => finish(false);
      const unsubscribe = this.subscribe(itemId, () => finish(true));
      const timer = setTimeout(() => finish(false), Math.max(0, ms));
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  emit(itemId: string): void {
    const set = this.#listeners.get(itemId);
    if (set === undefined) return;
    for (const fn of [...set]) fn();
  }

  emitAll(): void {
    for (const id of [...this.#listeners.keys()]) this.emit(id);
  }

  /** Items with someone waiting on them; for tests and metrics. */
  get watched(): number {
    return this.#listeners.size;
  }
}
