import type { Rt } from "./types.ts";

/**
 * In-isolate: `performance.now()`, `performance.timeOrigin` and `toJSON()`. Whole milliseconds from
 * the isolate's clock, never going backwards: as Workers do, fnmesh gives tenants no
 * high-resolution timer, which would sharpen timing side channels between them (and reading a
 * finer host clock would cost a thread hop per call). Marks and measures are not provided.
 * Serialised: self-contained.
 */
export function installPerformance(_g: Record<string, unknown>, rt: Rt): void {
  const dateNow = Date.now;
  const timeOrigin = dateNow();
  let last = 0;
  const INTERNAL = Symbol("internal");

  class Performance {
    constructor(token?: unknown) {
      if (token !== INTERNAL) throw new TypeError("Illegal constructor");
    }
    get timeOrigin(): number {
      return timeOrigin;
    }
    now(): number {
      last = Math.max(last, dateNow() - timeOrigin);
      return last;
    }
    toJSON(): { timeOrigin: number } {
      return { timeOrigin };
    }
  }
  Object.defineProperty(Performance.prototype, Symbol.toStringTag, { value: "Performance", configurable: true });

  rt.web.defineGlobal("performance", new Performance(INTERNAL));
  rt.web.defineGlobal("Performance", Performance);
}
