/**
 * Counts requests being handled, so shutdown can wait for them: a request whose client already
 * hung up is no longer a connection, but its Event publish or database write must still finish.
 */
export interface InFlight {
  enter(): void;
  leave(): void;
  readonly count: number;
  /** Resolves true once nothing is in flight, false if `timeoutMs` passed first. */
  idle(timeoutMs: number): Promise<boolean>;
}

export function createInFlight(): InFlight {
  let count = 0;
  let waiters: (() => void)[] = [];
  return {
    get count() { return count; },
    enter() { count++; },
    leave() {
      count--;
      if (count === 0) { for (const w of waiters) w(); waiters = []; }
    },
    idle(timeoutMs) {
      if (count === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), timeoutMs);
        waiters.push(() => { clearTimeout(timer); resolve(true); });
      });
    },
  };
}
