import type { Rt } from "./types.ts";

/**
 * In-isolate: `console`, as Lambda's Node runtime patches it — log/info → INFO, warn → WARN,
 * error → ERROR, debug → DEBUG, trace → TRACE, one line per call, formatted like util.format.
 * Level codes are literal (TRACE 0, DEBUG 1, INFO 2, WARN 3, ERROR 4): this function is serialised.
 */
export function installConsole(g: Record<string, unknown>, rt: Rt): void {
  let indent = "";
  const counts = new Map<string, number>();
  const timers = new Map<string, number>();

  function emit(level: 0 | 1 | 2 | 3 | 4, args: readonly unknown[]): void {
    const message = rt.format(args);
    rt.log(level, indent === "" ? message : indent + message.split("\n").join("\n" + indent));
  }
  const label = (value: unknown): string => (value === undefined ? "default" : String(value));

  const console = {
    log: (...args: unknown[]) => emit(2, args),
    info: (...args: unknown[]) => emit(2, args),
    warn: (...args: unknown[]) => emit(3, args),
    error: (...args: unknown[]) => emit(4, args),
    debug: (...args: unknown[]) => emit(1, args),
    trace: (...args: unknown[]) => emit(0, args),
    dir: (value: unknown) => emit(2, [rt.inspect(value)]),
    table: (...args: unknown[]) => emit(2, args),
    assert(condition: unknown, ...args: unknown[]) {
      if (condition) return;
      emit(4, args.length === 0 ? ["Assertion failed"] : typeof args[0] === "string" ? [`Assertion failed: ${args[0]}`, ...args.slice(1)] : ["Assertion failed:", ...args]);
    },
    count(name?: unknown) {
      const key = label(name);
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      emit(2, [`${key}: ${n}`]);
    },
    countReset: (name?: unknown) => void counts.delete(label(name)),
    time: (name?: unknown) => void timers.set(label(name), Date.now()),
    timeLog(name?: unknown, ...args: unknown[]) {
      const start = timers.get(label(name));
      if (start !== undefined) emit(2, [`${label(name)}: ${Date.now() - start}ms`, ...args]);
    },
    timeEnd(name?: unknown) {
      const start = timers.get(label(name));
      if (start === undefined) return;
      timers.delete(label(name));
      emit(2, [`${label(name)}: ${Date.now() - start}ms`]);
    },
    group(...args: unknown[]) {
      if (args.length > 0) emit(2, args);
      indent += "  ";
    },
    groupCollapsed(...args: unknown[]) {
      console.group(...args);
    },
    groupEnd() {
      indent = indent.slice(2);
    },
  };
  // Replaces V8's own console, which only reports to an attached inspector.
  Object.defineProperty(g, "console", { value: console, writable: true, configurable: true, enumerable: false });
}
