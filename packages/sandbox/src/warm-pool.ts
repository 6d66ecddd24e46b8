/**
 * Warm pool of execution environments (isolates), independent of how they are implemented.
 *
 * - Entries are kept per key; an entry serves one invocation at a time (busy) or waits (idle).
 * - A new key for a function name retires the name's older keys: their idle entries are disposed
 *   at once, busy ones when released, and none serves again.
 * - Idle entries are disposed after `idleTtlMs`.
 * - A prepared entry (made ahead of its first invocation, `addPrepared`) waits idle like any other
 *   but is taken only when its key has no used idle entry, and is evicted first; at most
 *   `maxPrepared` are kept.
 * - `memoryBudgetBytes` bounds busy and idle entries together: each is charged its last measured
 *   heap (a new one, what `reserve` set aside for it). Idle entries go least-recently-used first to
 *   make room; when busy ones alone fill the budget, `reserve` waits for a release. So how many
 *   invocations run at once is bounded by memory, not a count: one awaiting I/O costs its heap only.
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
  /** Prepared entries kept at most (oldest disposed first). Default 32. */
  maxPrepared?: number;
}

export interface PoolStats {
  isolates: number;
  busy: number;
  idle: number;
  functions: number;
  heapBytes: number;
  /** Cold starts waiting in `reserve` for busy entries to free memory. */
  waiting: number;
}

/** What a new entry is assumed to cost before its heap was ever measured (an empty isolate is ~3 MiB). */
export const NEW_ENTRY_BYTES = 4 * 1024 * 1024;

export class WarmPool<T extends Pooled> {
  readonly #options: WarmPoolOptions;
  readonly #busy = new Set<T>();
  /** Idle entries in least-recently-released order, with their TTL timers and what they are charged. */
  readonly #idle = new Map<T, { timer: NodeJS.Timeout; bytes: number }>();
  /** Idle entries that never ran, oldest first. */
  readonly #prepared = new Set<T>();
  readonly #currentKey = new Map<string, string>();
  /** What each busy entry is charged against the budget. */
  readonly #charge = new Map<T, number>();
  /** Last measured heap per key: what its next new entry is assumed to cost. */
  readonly #lastHeap = new Map<string, number>();
  /** Busy charges plus reservations not yet turned into entries. */
  #busyBytes = 0;
  #idleBytes = 0;
  /** Cold starts waiting for memory, first come first served. */
  readonly #waiters: (() => void)[] = [];

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
    let prepared: T | undefined;
    for (const entry of this.#idle.keys()) {
      if (entry.key !== key) continue;
      if (this.#prepared.has(entry)) prepared ??= entry;
      else found = entry;
    }
    found ??= prepared;
    if (found === undefined) return undefined;
    const bytes = this.#idle.get(found)?.bytes ?? 0;
    this.#takeIdle(found);
    if (!found.usable) {
      found.dispose();
      return this.acquire(name, key);
    }
    this.#markBusy(found, bytes);
    return found;
  }

  /** Whether `entry` was made by `addPrepared` and has not run yet; true once per such entry, when it is taken. */
  takePrepared(entry: T): boolean {
    return this.#prepared.delete(entry);
  }

  /** Whether any entry of `key` exists, busy or idle. */
  has(key: string): boolean {
    for (const entry of this.#busy) if (entry.key === key) return true;
    for (const entry of this.#idle.keys()) if (entry.key === key) return true;
    return false;
  }

  /**
   * Adds an entry made ahead of its first invocation as idle, charged its key's last measured heap
   * (else NEW_ENTRY_BYTES). It does not change the name's current key.
   */
  addPrepared(entry: T): void {
    this.#prepared.add(entry);
    this.#addIdle(entry, entry.heapBytes > 0 ? entry.heapBytes : this.#lastHeap.get(entry.key) ?? NEW_ENTRY_BYTES);
    const max = this.#options.maxPrepared ?? 32;
    for (const old of [...this.#prepared]) {
      if (this.#prepared.size <= max) break;
      this.#disposeIdle(old);
    }
    this.#enforceBudget();
  }

  /**
   * Sets memory aside for a new entry of `key` (its last measured heap, else NEW_ENTRY_BYTES),
   * disposing idle entries least recently used first to make room; waits, first come first served,
   * while busy entries alone leave too little. With nothing busy it always succeeds, so one
   * invocation can run whatever the budget. Resolves with the bytes reserved: hand them to `add`,
   * or to `unreserve` when no entry is made.
   */
  async reserve(key: string): Promise<number> {
    const bytes = this.#lastHeap.get(key) ?? NEW_ENTRY_BYTES;
    if (this.#waiters.length > 0 || !this.#fits(bytes)) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
      // Woken at the head of the line: stay there until it fits.
      while (!this.#fits(bytes)) await new Promise<void>((resolve) => this.#waiters.unshift(resolve));
    }
    this.#busyBytes += bytes;
    this.#enforceBudget();
    // Room may remain for the next in line too.
    this.#wake();
    return bytes;
  }

  /** Gives back a reservation that did not become an entry. */
  unreserve(bytes: number): void {
    this.#busyBytes -= bytes;
    this.#wake();
  }

  /** Registers a newly created entry as busy, charged the bytes `reserve` set aside for it. */
  add(entry: T, reservedBytes = 0): void {
    if (!this.#currentKey.has(entry.name)) this.#currentKey.set(entry.name, entry.key);
    this.#busyBytes -= reservedBytes;
    this.#markBusy(entry, reservedBytes);
  }

  /** Ends an entry's invocation: idle again when `reusable` and its key is current, else disposed. */
  release(entry: T, reusable: boolean): void {
    if (!this.#busy.delete(entry)) return;
    this.#busyBytes -= this.#charge.get(entry) ?? 0;
    this.#charge.delete(entry);
    if (!reusable || !entry.usable || this.#currentKey.get(entry.name) !== entry.key) {
      entry.dispose();
      this.#wake();
      return;
    }
    if (entry.heapBytes > 0) this.#lastHeap.set(entry.key, entry.heapBytes);
    this.#addIdle(entry, entry.heapBytes);
    this.#enforceBudget();
    this.#wake();
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
      waiting: this.#waiters.length,
    };
  }

  /** Disposes every entry, busy ones included; waiting `reserve` calls resolve (the caller checks whether it closed). */
  clear(): void {
    for (const entry of [...this.#idle.keys()]) this.#disposeIdle(entry);
    for (const entry of [...this.#busy]) {
      this.#busy.delete(entry);
      entry.dispose();
    }
    this.#charge.clear();
    this.#busyBytes = 0;
    for (const wake of this.#waiters.splice(0)) wake();
  }

  #markBusy(entry: T, bytes: number): void {
    this.#busy.add(entry);
    this.#charge.set(entry, bytes);
    this.#busyBytes += bytes;
  }

  /** Whether `bytes` more fit beside the busy entries; idle ones can always be evicted. */
  #fits(bytes: number): boolean {
    return this.#busy.size === 0 && this.#busyBytes === 0 ? true : this.#busyBytes + bytes <= this.#options.memoryBudgetBytes;
  }

  #wake(): void {
    this.#waiters.shift()?.();
  }

  #addIdle(entry: T, bytes: number): void {
    const timer = setTimeout(() => this.#disposeIdle(entry), this.#options.idleTtlMs);
    timer.unref();
    this.#idle.set(entry, { timer, bytes });
    this.#idleBytes += bytes;
  }

  /** Prepared entries go first: one that ran is known to be wanted. */
  #enforceBudget(): void {
    for (const entry of [...this.#prepared, ...this.#idle.keys()]) {
      if (this.#busyBytes + this.#idleBytes <= this.#options.memoryBudgetBytes) break;
      this.#disposeIdle(entry);
    }
  }

  #takeIdle(entry: T): void {
    const idle = this.#idle.get(entry);
    if (idle === undefined) return;
    clearTimeout(idle.timer);
    this.#idle.delete(entry);
    this.#idleBytes -= idle.bytes;
  }

  #disposeIdle(entry: T): void {
    if (!this.#idle.has(entry)) return;
    this.#takeIdle(entry);
    this.#prepared.delete(entry);
    entry.dispose();
  }
}
