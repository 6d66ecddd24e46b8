import type { RtWithLoop } from "./event-loop.ts";
import type { FetchWireResult, Rt } from "./types.ts";

/**
 * In-isolate: `fetch`. The host performs it (bridge.fetch, then IsolateApi.fetchDone) under the
 * egress policy. At most `maxPending` fetches per invocation; all of them end with the invocation
 * (the host aborts them; here they are dropped unsettled, as timers are). A refusal or network
 * failure rejects with TypeError("fetch failed") whose `cause` carries the host's `code` and
 * `message`; an abort rejects with the signal's reason. Serialised: self-contained.
 */
export function installFetch(_g: Record<string, unknown>, rt: Rt): void {
  const web = rt.web;
  const RequestClass = web.Request;
  interface Pending {
    seq: number;
    resolve: (response: unknown) => void;
    reject: (reason: unknown) => void;
    removeAbort: () => void;
  }
  const pending = new Map<number, Pending>();
  let nextId = 1;

  function fetchFailed(code: string, message: string): TypeError {
    const cause = new Error(message) as Error & { code: string };
    cause.name = "EgressError";
    cause.code = code;
    return new TypeError("fetch failed", { cause });
  }

  function fetch(input: unknown, init: unknown = undefined): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (arguments.length === 0) throw new TypeError('The "input" argument must be specified');
      const request = new RequestClass(input, init);
      const { wire, signal } = web.requestForFetch(request);
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const limits = rt.config.fetch;
      if (limits === null) throw new TypeError("fetch failed: outbound network access is not configured for this runtime");
      // Outside an invocation (a stray continuation after it ended) nothing is sent and nothing settles.
      if (rt.seq === 0) return;
      if (pending.size >= limits.maxPending) throw new TypeError(`too many pending fetches (${limits.maxPending})`);
      const id = nextId++;
      const seq = rt.seq;
      const entry: Pending = { seq, resolve, reject, removeAbort: () => {} };
      pending.set(id, entry);
      entry.removeAbort = web.onAbort(signal, () => {
        if (pending.get(id) !== entry) return;
        pending.delete(id);
        rt.bridge.abortFetch(seq, id);
        reject(signal.reason);
      });
      rt.bridge.fetch(seq, id, wire);
    });
  }

  const loop = (rt as RtWithLoop).loop;
  // A pending request keeps the event loop alive, as an open socket does in Node.
  loop.handles.push(() => pending.size);

  rt.fetchDone = (seq: number, id: number, result: FetchWireResult) => {
    const entry = pending.get(id);
    if (entry === undefined || entry.seq !== seq || seq !== rt.seq) return;
    pending.delete(id);
    entry.removeAbort();
    settle(entry, result);
    loop.afterActivity?.();
  };

  function settle(entry: Pending, result: FetchWireResult): void {
    if (!result.ok) {
      entry.reject(fetchFailed(String(result.code), String(result.message)));
      return;
    }
    try {
      entry.resolve(web.responseFromWire(result.response));
    } catch (error) {
      entry.reject(new TypeError("fetch failed", { cause: error }));
    }
  }
  rt.onEnd.push(() => {
    for (const entry of pending.values()) entry.removeAbort();
    pending.clear();
  });

  web.defineGlobal("fetch", fetch);
}
