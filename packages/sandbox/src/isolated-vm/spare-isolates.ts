/**
 * Blank isolates made ahead of need, one per memory size recently used: an isolate and an empty
 * context, no code run in them and nothing of any function's. A cold start (or prefetch) takes the
 * one of its function's memory size and only installs the prelude in it, instead of making a V8
 * isolate and context on the critical path (~1.8 of the ~2.1 ms a new sandbox costs here). The
 * taken one is replaced a moment later, so the replacement does not compete with the invocation
 * that took it; under a burst of cold starts at most one refill per size is pending. A few MiB at
 * most, outside the warm pool's budget.
 */
import ivm from "isolated-vm";

export interface SpareIsolate {
  isolate: ivm.Isolate;
  context: ivm.Context;
  memoryMb: number;
  /** Where the isolate's catastrophic errors go: set by the sandbox that adopts it. */
  onCatastrophe: { handler: ((message: string) => void) | undefined };
}

/** Makes a blank isolate of `memoryMb` (its V8 heap limit) with one empty context. */
export function makeSpareIsolate(memoryMb: number): SpareIsolate {
  const onCatastrophe: SpareIsolate["onCatastrophe"] = { handler: undefined };
  const isolate = new ivm.Isolate({ memoryLimit: memoryMb, onCatastrophicError: (message) => onCatastrophe.handler?.(message) });
  try {
    return { isolate, context: isolate.createContextSync(), memoryMb, onCatastrophe };
  } catch (err) {
    isolate.dispose();
    throw err;
  }
}

export interface SpareIsolatesOptions {
  /** Memory sizes kept at once (least recently asked for dropped first). Default 4. */
  maxSizes?: number;
  /**
   * Delay before a taken spare is replaced: long enough that the invocation which took it (or, for
   * prefetch, the invoke that follows CreateFunction by a few ms) is not delayed by the refill's
   * ~2 ms of synchronous work, short enough for the next new function. Default 10 ms.
   */
  refillDelayMs?: number;
}

export class SpareIsolates {
  /** By memory size, least recently asked for first. */
  readonly #spares = new Map<number, SpareIsolate | undefined>();
  readonly #timers = new Map<number, NodeJS.Timeout>();
  readonly #maxSizes: number;
  readonly #refillDelayMs: number;
  #closed = false;

  constructor(options: SpareIsolatesOptions = {}) {
    this.#maxSizes = options.maxSizes ?? 4;
    this.#refillDelayMs = options.refillDelayMs ?? 10;
  }

  /** The spare of `memoryMb`, now the caller's (undefined if none is ready); a new one follows later. */
  take(memoryMb: number): SpareIsolate | undefined {
    if (this.#closed) return undefined;
    const spare = this.#spares.get(memoryMb);
    this.#spares.delete(memoryMb);
    this.#spares.set(memoryMb, undefined); // most recently asked for last
    for (const [size, old] of this.#spares) {
      if (this.#spares.size <= this.#maxSizes) break;
      this.#spares.delete(size);
      clearTimeout(this.#timers.get(size));
      this.#timers.delete(size);
      old?.isolate.dispose();
    }
    this.#scheduleRefill(memoryMb);
    return spare !== undefined && !spare.isolate.isDisposed ? spare : undefined;
  }

  /** Spares ready now. */
  get ready(): number {
    let n = 0;
    for (const spare of this.#spares.values()) if (spare !== undefined) n++;
    return n;
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers.values()) clearTimeout(timer);
    this.#timers.clear();
    for (const spare of this.#spares.values()) spare?.isolate.dispose();
    this.#spares.clear();
  }

  #scheduleRefill(memoryMb: number): void {
    if (this.#timers.has(memoryMb)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(memoryMb);
      if (this.#closed || !this.#spares.has(memoryMb) || this.#spares.get(memoryMb) !== undefined) return;
      try {
        this.#spares.set(memoryMb, makeSpareIsolate(memoryMb));
      } catch {
        // Out of memory or the like: the next cold start makes its own isolate.
      }
    }, this.#refillDelayMs);
    timer.unref();
    this.#timers.set(memoryMb, timer);
  }
}
