/**
 * Warm pool of execution environments (isolates), independent of how they are implemented.
 *
 * - Entries are kept per key; an entry serves one invocation at a time (busy) or waits (idle).
 * - A new key for a function name retires the name's older keys: their idle entries are disposed
 *   at once, busy ones when released, and none serves again.
 * - Idle entries are disposed after `idleTtlMs`, and least-recently-used first whenever the idle
 *   heap exceeds `memoryBudgetBytes`.
 */

export interface Pooled {
  readonly key: string;
  readonly name: string;
  /** Last measured heap, in bytes. */
  readonly heapBytes: number;
  /** False once the entry can no longer run anything (its isolate died). */
  readonly usable: boolean;
  dispose(): void;
}

export interface WarmPoolOptions {
  memoryBudgetBytes: number;
  idleTtlMs: number;
}

export interface PoolStats {
  isolates: number;
  busy: number;
  idle: number;
  functions: number;
  heapBytes: number;
}

export class WarmPool<T extends Pooled> {
  readonly #options: WarmPoolOptions;
  readonly #busy = new Set<T>();
  /** Idle entries in least-recently-released order, with their TTL timers. */
  readonly #idle = new Map<T, NodeJS.Timeout>();
  readonly #currentKey = new Map<string, string>();

  constructor(options: WarmPoolOptions) {
    this.#options = options;
  }

  /**
   * Marks `key` as the current one for `name` (retiring older keys) and takes the most recently
   * used idle entry for it, now busy; undefined means a cold start.
   */
  acquire(name: string, key: string): T | undefined {
    if (this.#currentKey.get(name) !== key) {
      this.#currentKey.set(name, key);
      for (const entry of [...this.#idle.keys()]) {
        if (entry.name === name && entry.key !== key) this.#disposeIdle(entry);
      }
    }
    let found: T | undefined;
    for (const entry of this.#idle.keys()) {
      if (entry.key === key) found = entry;
    }
    if (found === undefined) return undefined;
    this.#takeIdle(found);
    if (!found.usable) {
      found.dispose();
      return this.acquire(name, key);
    }
    this.#busy.add(found);
    return found;
  }

  /** Registers a newly created entry as busy. */
  add(entry: T): void {
    if (!this.#currentKey.has(entry.name)) this.#currentKey.set(entry.name, entry.key);
    this.#busy.add(entry);
  }

  /** Ends an entry's invocation: idle again when `reusable` and its key is current, else disposed. */
  release(entry: T, reusable: boolean): void {
    if (!this.#busy.delete(entry)) return;
    if (!reusable || !entry.usable || this.#currentKey.get(entry.name) !== entry.key) {
      entry.dispose();
      return;
    }
    const timer = setTimeout(() => this.#disposeIdle(entry), this.#options.idleTtlMs);
    timer.unref();
    this.#idle.set(entry, timer);
    this.#enforceBudget();
  }

  stats(): PoolStats {
    const keys = new Set<string>();
    let heapBytes = 0;
    for (const entry of [...this.#busy, ...this.#idle.keys()]) {
      keys.add(entry.key);
      heapBytes += entry.heapBytes;
    }
    return {
      isolates: this.#busy.size + this.#idle.size,
      busy: this.#busy.size,
      idle: this.#idle.size,
      functions: keys.size,
      heapBytes,
    };
  }

  /** Disposes every entry, busy ones included. */
  clear(): void {
    for (const entry of [...this.#idle.keys()]) this.#disposeIdle(entry);
    for (const entry of [...this.#busy]) {
      this.#busy.delete(entry);
      entry.dispose();
    }
  }

  #enforceBudget(): void {
    let idleHeap = 0;
    for (const entry of this.#idle.keys()) idleHeap += entry.heapBytes;
    for (const entry of [...this.#idle.keys()]) {
      if (idleHeap <= this.#options.memoryBudgetBytes) break;
      idleHeap -= entry.heapBytes;
      this.#disposeIdle(entry);
    }
  }

  #takeIdle(entry: T): void {
    const timer = this.#idle.get(entry);
    if (timer !== undefined) clearTimeout(timer);
    this.#idle.delete(entry);
  }

  #disposeIdle(entry: T): void {
    if (!this.#idle.has(entry)) return;
    this.#takeIdle(entry);
    entry.dispose();
  }
}
