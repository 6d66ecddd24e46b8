import { setTimeout as sleep } from "node:timers/promises";

export interface EventuallyOptions {
  /** Names the awaited condition in the timeout error, e.g. "consumer sees 3 messages". */
  name: string;
  /** Give up after this long. Default 10 000. */
  timeoutMs?: number;
  /** Pause between attempts. Default 50. */
  intervalMs?: number;
}

/**
 * Retries `fn` until it returns without throwing (and, when it returns a boolean, until it returns
 * `true`), then resolves with its result. Tests wait with this instead of sleeping. On timeout it
 * rejects with an Error naming `name` and quoting the last failure, which is also the `cause`.
 * An attempt still running at the deadline is abandoned, not awaited, so a hung check cannot hang the test.
 */
export async function eventually<T>(fn: () => Promise<T> | T, options: EventuallyOptions): Promise<T> {
  const { name, timeoutMs = 10_000, intervalMs = 50 } = options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = undefined;
  let attempts = 0;
  for (;;) {
    attempts++;
    const remaining = Math.max(0, deadline - Date.now());
    try {
      const result = await withDeadline(Promise.resolve().then(fn), remaining);
      if (result === false) {
        lastError = new Error("returned false");
      } else {
        return result;
      }
    } catch (error) {
      lastError = error;
    }
    if (Date.now() + intervalMs > deadline) break;
    await sleep(intervalMs);
  }
  const last = lastError instanceof Error ? lastError.message : String(lastError);
  throw new Error(`eventually "${name}" timed out after ${timeoutMs} ms (${attempts} attempts); last: ${last}`, {
    cause: lastError,
  });
}

const STILL_RUNNING = new Error("attempt still running at the deadline");

async function withDeadline<T>(attempt: Promise<T>, ms: number): Promise<T> {
  const abort = new AbortController();
  // A late rejection from an abandoned attempt must not surface as an unhandled rejection.
  attempt.catch(() => {});
  try {
    return await Promise.race([
      attempt,
      sleep(ms, undefined, { signal: abort.signal }).then(() => Promise.reject(STILL_RUNNING)),
    ]);
  } finally {
    abort.abort();
  }
}
