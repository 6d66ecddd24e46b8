/**
 * An invocation request — a request id and its attempt — runs at most once on this executor. The
 * scheduler holds an Event until the executor's reply is durable; a scheduler killed after sending
 * it leaves the message unacknowledged, and once its ack wait passes another replica sends the same
 * request again. Without this, a function that had already run would run twice (a schedule's tick
 * twice). A repeat arriving while the first is running waits for its reply; one arriving later is
 * answered with the reply the run gave, without running again.
 *
 * Only a run's own answers are kept (a result or a function error): a platform refusal (throttled,
 * no room, not found) did not run the function, so its repeat must try again. Every caller that
 * wants a new run sends a new request id or attempt (ingest per call, the scheduler's retries count
 * the attempt up, triggers draw a fresh id), so nothing but a true repeat is ever answered from here.
 *
 * Bounded: replies are kept `ttlMs`, at most `maxEntries` of them and `maxBytes` in all (a repeat
 * of an evicted one runs again: at least once, as Lambda's own asynchronous delivery). Per
 * executor: a repeat the queue group hands to another executor runs there (docs/pipeline.md).
 */

export interface RecentRunsOptions {
  ttlMs: number;
  maxEntries: number;
  maxBytes: number;
  now?: () => number;
}

export interface RecentRuns {
  /** The reply of the run of `key` — in progress or done — or undefined when none is known. */
  find(key: string): Promise<Uint8Array> | Uint8Array | undefined;
  /**
   * Registers the run of `key` now starting; `done` says how it ended: its encoded reply to keep
   * (a run's own answer) or null (a refusal, nothing to keep).
   */
  start(key: string): { done(reply: Uint8Array | null): void };
  readonly size: number;
}

interface Kept { reply: Uint8Array; at: number }

export const runKey = (requestId: string, attempt: number): string => `${requestId}#${attempt}`;

export function createRecentRuns(options: RecentRunsOptions): RecentRuns {
  const now = options.now ?? Date.now;
  /** Oldest first (insertion order), so expiry and eviction look at the front only. */
  const kept = new Map<string, Kept>();
  const running = new Map<string, { promise: Promise<Uint8Array>; resolve(r: Uint8Array): void; reject(e: Error): void }>();
  let bytes = 0;

  const drop = (key: string, entry: Kept) => { kept.delete(key); bytes -= entry.reply.byteLength; };
  const trim = () => {
    const cutoff = now() - options.ttlMs;
    for (const [key, entry] of kept) {
      if (entry.at > cutoff && kept.size <= options.maxEntries && bytes <= options.maxBytes) break;
      drop(key, entry);
    }
  };

  return {
    find(key) {
      const inFlight = running.get(key);
      if (inFlight) return inFlight.promise;
      const entry = kept.get(key);
      if (entry === undefined) return undefined;
      if (entry.at <= now() - options.ttlMs) { drop(key, entry); return undefined; }
      return entry.reply;
    },
    start(key) {
      let resolve!: (r: Uint8Array) => void;
      let reject!: (e: Error) => void;
      const promise = new Promise<Uint8Array>((res, rej) => { resolve = res; reject = rej; });
      // A repeat that joined a run ending in a refusal asks again itself; nobody else may be waiting.
      promise.catch(() => {});
      running.set(key, { promise, resolve, reject });
      return {
        done(reply) {
          running.delete(key);
          if (reply === null) { reject(new Error("the run was refused")); return; }
          resolve(reply);
          if (reply.byteLength > options.maxBytes) return;
          const old = kept.get(key);
          if (old) drop(key, old);
          kept.set(key, { reply, at: now() });
          bytes += reply.byteLength;
          trim();
        },
      };
    },
    get size() { return kept.size; },
  };
}
