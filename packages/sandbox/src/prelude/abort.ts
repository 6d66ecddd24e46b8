import type { Rt, WebAbortSignal } from "./types.ts";

/**
 * In-isolate: `AbortController` and `AbortSignal` (with `abort`, `timeout`, `any`). `timeout` uses
 * the invocation's timers, so it counts against the timer cap and ends with the invocation.
 * Serialised: self-contained.
 */
export function installAbort(_g: Record<string, unknown>, rt: Rt): void {
  const EventTargetBase = rt.web.EventTarget as new () => EventTarget;
  const EventClass = rt.web.Event as new (type: string) => Event;
  const INTERNAL = Symbol("internal");
  let abortSignal: (signal: AbortSignal, reason: unknown) => void = () => {};
  let addAlgorithm: (signal: AbortSignal, algorithm: () => void) => () => void = () => () => {};
  // A brand check user code cannot fool (instanceof consults Symbol.hasInstance).
  let isSignal: (value: unknown) => value is AbortSignal = (_value: unknown): _value is AbortSignal => false;

  interface EventTarget {
    addEventListener(type: string, callback: unknown, options?: unknown): void;
    removeEventListener(type: string, callback: unknown, options?: unknown): void;
    dispatchEvent(event: Event): boolean;
  }
  interface Event {
    readonly type: string;
  }

  class AbortSignal extends EventTargetBase implements WebAbortSignal {
    #aborted = false;
    #reason: unknown = undefined;
    #algorithms = new Set<() => void>();
    #onabort: unknown = null;
    #onabortListener: ((event: Event) => void) | null = null;
    static {
      isSignal = (value: unknown): value is AbortSignal => typeof value === "object" && value !== null && #aborted in value;
      abortSignal = (signal, reason) => {
        if (signal.#aborted) return;
        signal.#aborted = true;
        signal.#reason = reason === undefined ? new rt.web.DOMException("This operation was aborted", "AbortError") : reason;
        const algorithms = [...signal.#algorithms];
        signal.#algorithms.clear();
        for (const algorithm of algorithms) algorithm();
        signal.dispatchEvent(new EventClass("abort"));
      };
      addAlgorithm = (signal, algorithm) => {
        if (signal.#aborted) {
          algorithm();
          return () => {};
        }
        signal.#algorithms.add(algorithm);
        return () => void signal.#algorithms.delete(algorithm);
      };
    }
    constructor(token?: unknown) {
      if (token !== INTERNAL) throw new TypeError("Illegal constructor");
      super();
    }
    get aborted(): boolean {
      return this.#aborted;
    }
    get reason(): unknown {
      return this.#reason;
    }
    throwIfAborted(): void {
      if (this.#aborted) throw this.#reason;
    }
    get onabort(): unknown {
      return this.#onabort;
    }
    set onabort(value: unknown) {
      this.#onabort = typeof value === "function" ? value : null;
      // An event handler attribute is one listener, registered when first set.
      if (this.#onabortListener === null) {
        this.#onabortListener = (event: Event) => {
          const handler = this.#onabort;
          if (typeof handler === "function") (handler as (e: Event) => unknown).call(this, event);
        };
        this.addEventListener("abort", this.#onabortListener);
      }
    }
    static abort(reason?: unknown): AbortSignal {
      const signal = new AbortSignal(INTERNAL);
      abortSignal(signal, reason);
      return signal;
    }
    static timeout(ms: unknown): AbortSignal {
      const delay = Number(ms);
      if (!(delay >= 0 && delay <= Number.MAX_SAFE_INTEGER)) throw new TypeError(`The "delay" argument must be a non-negative integer (got ${String(ms)})`);
      const signal = new AbortSignal(INTERNAL);
      rt.web.setTimeout(() => abortSignal(signal, new rt.web.DOMException("The operation was aborted due to timeout", "TimeoutError")), delay);
      return signal;
    }
    static any(signals: Iterable<unknown>): AbortSignal {
      const result = new AbortSignal(INTERNAL);
      const sources = [...signals];
      for (const source of sources) {
        if (!isSignal(source)) throw new TypeError('The "signals" argument must be a sequence of AbortSignal');
      }
      for (const source of sources as AbortSignal[]) {
        if (source.#aborted) {
          abortSignal(result, source.#reason);
          return result;
        }
      }
      for (const source of sources as AbortSignal[]) addAlgorithm(source, () => abortSignal(result, source.#reason));
      return result;
    }
  }

  class AbortController {
    #signal = new AbortSignal(INTERNAL);
    get signal(): AbortSignal {
      return this.#signal;
    }
    abort(reason?: unknown): void {
      abortSignal(this.#signal, reason);
    }
  }
  for (const cls of [AbortSignal, AbortController]) {
    Object.defineProperty(cls.prototype, Symbol.toStringTag, { value: cls.name, configurable: true });
  }

  rt.web.newAbortSignal = () => new AbortSignal(INTERNAL);
  rt.web.isAbortSignal = (value: unknown): value is WebAbortSignal => isSignal(value);
  rt.web.signalAbort = (signal, reason) => abortSignal(signal as AbortSignal, reason);
  rt.web.onAbort = (signal, algorithm) => addAlgorithm(signal as AbortSignal, algorithm);
  rt.web.defineGlobal("AbortSignal", AbortSignal);
  rt.web.defineGlobal("AbortController", AbortController);
}
