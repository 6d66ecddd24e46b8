/**
 * Bounds invocations in flight on this executor; a bounded number may wait for a slot. Past that,
 * `acquire` refuses at once so the caller gets TooManyRequests instead of an unbounded queue.
 */
export interface ConcurrencyLimiter {
  /** Resolves with a release function, or undefined when both slots and queue are full. */
  acquire(): Promise<(() => void) | undefined>;
  readonly active: number;
  readonly waiting: number;
}

export function createConcurrencyLimiter(maxActive: number, maxWaiting: number): ConcurrencyLimiter {
  let active = 0;
  const queue: (() => void)[] = [];
  const release = () => {
    const next = queue.shift();
    if (next) next(); else active--;
  };
  return {
    get active() { return active; },
    get waiting() { return queue.length; },
    async acquire() {
      if (active < maxActive) { active++; return once(release); }
      if (queue.length >= maxWaiting) return undefined;
      await new Promise<void>((resolve) => queue.push(resolve));
      return once(release);
    },
  };
}

function once(fn: () => void): () => void {
  let done = false;
  return () => { if (!done) { done = true; fn(); } };
}
