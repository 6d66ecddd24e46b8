import type { EventLoop, RtWithLoop } from "./event-loop.ts";
import type { Rt } from "./types.ts";

/**
 * In-isolate: setTimeout/setInterval/setImmediate and their clear functions, plus queueMicrotask,
 * scoped to the current invocation. Each timer is a host timer (bridge.setTimer); the host calls
 * `rt.fire` when it is due. All of an invocation's timers end with it. Serialised: self-contained.
 */
export function installTimers(g: Record<string, unknown>, rt: Rt): void {
  interface Timer {
    seq: number;
    callback: (...args: unknown[]) => unknown;
    args: unknown[];
    delayMs: number;
    repeat: boolean;
    /** Keeps the event loop alive (Node's ref()/unref()). */
    ref: boolean;
  }
  const pending = new Map<number, Timer>();
  // The event loop's own immediates (event-loop.ts): never counted, never limited.
  const internal = new Map<number, { seq: number; callback: () => void }>();
  let nextId = 1;
  const MAX_DELAY = 2147483647;
  const resolved = Promise.resolve();
  const then = Promise.prototype.then;

  // Node's handle objects: clear*() accepts them or their numeric id.
  class Timeout {
    #id: number;
    constructor(id: number) {
      this.#id = id;
    }
    ref(): this {
      const timer = pending.get(this.#id);
      if (timer !== undefined) timer.ref = true;
      return this;
    }
    unref(): this {
      const timer = pending.get(this.#id);
      if (timer !== undefined) timer.ref = false;
      return this;
    }
    hasRef(): boolean {
      return pending.get(this.#id)?.ref ?? false;
    }
    refresh(): this {
      const timer = pending.get(this.#id);
      if (timer !== undefined && timer.seq === rt.seq) rt.bridge.setTimer(rt.seq, this.#id, timer.delayMs);
      return this;
    }
    close(): this {
      clear(this.#id);
      return this;
    }
    [Symbol.toPrimitive](): number {
      return this.#id;
    }
  }
  class Immediate extends Timeout {}

  function describe(value: unknown): string {
    return typeof value === "function" ? "function" : value === null ? "null" : typeof value;
  }

  function create(callback: unknown, delay: unknown, args: unknown[], repeat: boolean, immediate: boolean): Timeout {
    if (typeof callback !== "function") {
      throw new TypeError(`The "callback" argument must be of type function. Received ${describe(callback)}`);
    }
    const id = nextId++;
    let delayMs = immediate ? 0 : Number(delay);
    if (!immediate && !(delayMs >= 1 && delayMs <= MAX_DELAY)) delayMs = 1;
    if (!immediate) delayMs = Math.trunc(delayMs);
    // Outside an invocation (a stray continuation after it ended) timers never fire, as in a frozen
    // Lambda environment whose timers were discarded.
    if (rt.seq === 0) return immediate ? new Immediate(id) : new Timeout(id);
    if (pending.size >= rt.config.maxTimers) {
      throw new RangeError(`Too many pending timers: at most ${rt.config.maxTimers} per invocation`);
    }
    pending.set(id, { seq: rt.seq, callback: callback as Timer["callback"], args, delayMs, repeat, ref: true });
    rt.bridge.setTimer(rt.seq, id, delayMs);
    return immediate ? new Immediate(id) : new Timeout(id);
  }

  function clear(handle: unknown): void {
    if (handle === undefined || handle === null) return;
    const id = typeof handle === "number" ? handle : Number(handle);
    const timer = pending.get(id);
    if (timer === undefined) return;
    pending.delete(id);
    if (timer.seq === rt.seq) rt.bridge.clearTimer(rt.seq, id);
  }

  rt.fire = (seq, id) => {
    if (seq !== rt.seq) return;
    const own = internal.get(id);
    if (own !== undefined) {
      internal.delete(id);
      if (own.seq === seq) own.callback();
      return;
    }
    const timer = pending.get(id);
    if (timer === undefined || timer.seq !== seq) return;
    if (timer.repeat) rt.bridge.setTimer(seq, id, timer.delayMs);
    else pending.delete(id);
    try {
      timer.callback(...timer.args);
    } catch (error) {
      rt.uncaught(error);
    }
    loop.afterActivity?.();
  };
  rt.onEnd.push(() => {
    pending.clear();
    internal.clear();
    loop.afterActivity = null;
  });

  const loop: EventLoop = {
    handles: [],
    active() {
      let count = 0;
      for (const timer of pending.values()) if (timer.seq === rt.seq && timer.ref) count++;
      for (const handle of loop.handles) count += handle();
      return count;
    },
    immediate(callback) {
      if (rt.seq === 0) return;
      const id = nextId++;
      internal.set(id, { seq: rt.seq, callback });
      rt.bridge.setTimer(rt.seq, id, 0);
    },
    afterActivity: null,
  };
  (rt as RtWithLoop).loop = loop;

  const define = (name: string, value: unknown) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: true });
  define("setTimeout", (callback: unknown, delay?: unknown, ...args: unknown[]) => create(callback, delay, args, false, false));
  define("setInterval", (callback: unknown, delay?: unknown, ...args: unknown[]) => create(callback, delay, args, true, false));
  define("setImmediate", (callback: unknown, ...args: unknown[]) => create(callback, 0, args, false, true));
  define("clearTimeout", clear);
  rt.web.setTimeout = (callback, delayMs) => create(callback, delayMs, [], false, false);
  define("clearInterval", clear);
  define("clearImmediate", clear);
  define("queueMicrotask", (callback: unknown) => {
    if (typeof callback !== "function") {
      throw new TypeError(`The "callback" argument must be of type function. Received ${describe(callback)}`);
    }
    then.call(resolved, () => {
      try {
        (callback as () => unknown)();
      } catch (error) {
        rt.uncaught(error);
      }
    });
  });
}
