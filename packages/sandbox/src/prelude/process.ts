import type { Rt } from "./types.ts";

/**
 * In-isolate: Node's `process` as Lambda handlers and their libraries use it, and `global`: env,
 * version/versions/release/platform/arch, cwd (/var/task), nextTick, hrtime (+bigint, monotonic,
 * whole milliseconds like `performance.now()` here), memoryUsage (the isolate's heap, from the
 * host), uptime, cpuUsage, umask, the sbx_user1051 ids, stdout/stderr writes as log lines, and a
 * working EventEmitter surface (on/once/off/emit/listeners…). Node's own events (exit,
 * beforeExit, unhandledRejection, uncaughtException) are never emitted: the runtime reports those
 * failures itself. There is deliberately no `binding`, `exit`, `kill` or `abort`.
 * Serialised: self-contained.
 */
export function installProcess(g: Record<string, unknown>, rt: Rt): void {
  const start = Date.now();
  const version = rt.config.nodeVersion;
  const queueMicrotask = g.queueMicrotask as (callback: () => void) => void;

  // A monotonic clock in nanoseconds: Date.now() never runs backwards here.
  let lastMs = 0;
  function nowNs(): bigint {
    const ms = Math.max(Date.now(), lastMs);
    lastMs = ms;
    return BigInt(ms) * 1000000n;
  }

  function hrtime(previous?: [number, number]): [number, number] {
    const ns = nowNs();
    let seconds = Number(ns / 1000000000n);
    let nanos = Number(ns % 1000000000n);
    if (previous !== undefined) {
      if (!Array.isArray(previous) || previous.length !== 2) throw new TypeError('The "time" argument must be an instance of Array of length 2');
      seconds -= previous[0];
      nanos -= previous[1];
      if (nanos < 0) {
        seconds--;
        nanos += 1e9;
      }
    }
    return [seconds, nanos];
  }
  hrtime.bigint = nowNs;

  function heap(): [number, number, number] {
    const stats = rt.bridge.heap();
    return Array.isArray(stats) && stats.length === 3 ? (stats as [number, number, number]) : [0, 0, 0];
  }
  function memoryUsage(): { rss: number; heapTotal: number; heapUsed: number; external: number; arrayBuffers: number } {
    const [used, total, external] = heap();
    return { rss: total + external, heapTotal: total, heapUsed: used, external, arrayBuffers: external };
  }
  memoryUsage.rss = (): number => {
    const [, total, external] = heap();
    return total + external;
  };

  // ---- events: Node's EventEmitter surface; nothing emits Node's own events ----
  type Listener = { fn: (...args: unknown[]) => unknown; once: boolean };
  const listeners = new Map<string | symbol, Listener[]>();
  let maxListeners = 10;
  const listenerOf = (listener: unknown): Listener["fn"] => {
    if (typeof listener !== "function") throw new TypeError('The "listener" argument must be of type function');
    return listener as Listener["fn"];
  };
  const add = (name: string | symbol, listener: unknown, once: boolean, prepend: boolean) => {
    const list = listeners.get(name) ?? [];
    const entry = { fn: listenerOf(listener), once };
    if (prepend) list.unshift(entry);
    else list.push(entry);
    listeners.set(name, list);
    return process;
  };
  const remove = (name: string | symbol, listener: unknown) => {
    const list = listeners.get(name);
    if (list === undefined) return process;
    const at = list.findLastIndex((entry) => entry.fn === listener);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) listeners.delete(name);
    return process;
  };

  function stream(fd: 1 | 2, level: 2 | 4): Record<string, unknown> {
    const out: Record<string, unknown> = {
      fd,
      isTTY: false,
      writable: true,
      write(chunk: unknown, encoding?: unknown, callback?: unknown) {
        const done = typeof encoding === "function" ? encoding : callback;
        let text: string;
        if (typeof chunk === "string") text = chunk;
        else if (chunk instanceof Uint8Array) {
          rt.need("encoding");
          text = rt.web.decodeUtf8(chunk, false);
        }
        else throw new TypeError('The "chunk" argument must be of type string or an instance of Buffer or Uint8Array');
        rt.log(level, text.endsWith("\n") ? text.slice(0, -1) : text);
        if (typeof done === "function") queueMicrotask(() => (done as () => void)());
        return true;
      },
      end(chunk?: unknown) {
        if (chunk !== undefined && chunk !== null && typeof chunk !== "function") (out.write as (c: unknown) => boolean)(chunk);
      },
      on: () => out,
      once: () => out,
      off: () => out,
      removeListener: () => out,
      emit: () => false,
      cork() {},
      uncork() {},
      getColorDepth: () => 1,
      hasColors: () => false,
    };
    return out;
  }

  const process: Record<string, unknown> = {
    env: { ...rt.config.env },
    version,
    versions: { node: version.replace(/^v/, "") },
    release: { name: "node" },
    platform: "linux",
    arch: "x64",
    title: "node",
    pid: 1,
    ppid: 0,
    argv: ["/var/lang/bin/node", "/var/runtime/index.mjs"],
    argv0: "node",
    execArgv: [],
    execPath: "/var/lang/bin/node",
    exitCode: undefined,
    config: { variables: {} },
    features: { inspector: false, ipv6: true, tls: true, typescript: false },
    cwd: () => "/var/task",
    chdir() {
      throw new Error("process.chdir() is not supported in fnmesh isolates");
    },
    umask: () => 0o22,
    getuid: () => 993,
    geteuid: () => 993,
    getgid: () => 990,
    getegid: () => 990,
    getgroups: () => [990],
    uptime: () => (Date.now() - start) / 1000,
    cpuUsage: () => ({ user: 0, system: 0 }),
    resourceUsage: () => ({ userCPUTime: 0, systemCPUTime: 0, maxRSS: Math.round(memoryUsage.rss() / 1024) }),
    memoryUsage,
    hrtime,
    nextTick(callback: unknown, ...args: unknown[]) {
      if (typeof callback !== "function") throw new TypeError('The "callback" argument must be of type function');
      queueMicrotask(() => (callback as (...a: unknown[]) => void)(...args));
    },
    emitWarning(warning: unknown, type?: unknown) {
      const name = warning instanceof Error ? warning.name : typeof type === "string" ? type : typeof type === "object" && type !== null && typeof (type as { type?: unknown }).type === "string" ? (type as { type: string }).type : "Warning";
      const message = warning instanceof Error ? warning.message : String(warning);
      rt.log(3, `(node:1) ${name}: ${message}`);
    },
    on: (name: string | symbol, listener: unknown) => add(name, listener, false, false),
    addListener: (name: string | symbol, listener: unknown) => add(name, listener, false, false),
    prependListener: (name: string | symbol, listener: unknown) => add(name, listener, false, true),
    once: (name: string | symbol, listener: unknown) => add(name, listener, true, false),
    prependOnceListener: (name: string | symbol, listener: unknown) => add(name, listener, true, true),
    off: remove,
    removeListener: remove,
    removeAllListeners(name?: string | symbol) {
      if (name === undefined) listeners.clear();
      else listeners.delete(name);
      return process;
    },
    emit(name: string | symbol, ...args: unknown[]) {
      const list = listeners.get(name);
      if (list === undefined || list.length === 0) return false;
      for (const entry of [...list]) {
        if (entry.once) remove(name, entry.fn);
        entry.fn.apply(process, args);
      }
      return true;
    },
    listeners: (name: string | symbol) => (listeners.get(name) ?? []).map((entry) => entry.fn),
    rawListeners: (name: string | symbol) => (listeners.get(name) ?? []).map((entry) => entry.fn),
    listenerCount: (name: string | symbol) => listeners.get(name)?.length ?? 0,
    eventNames: () => [...listeners.keys()],
    setMaxListeners(n: number) {
      maxListeners = n;
      return process;
    },
    getMaxListeners: () => maxListeners,
    setUncaughtExceptionCaptureCallback() {},
    hasUncaughtExceptionCaptureCallback: () => false,
  };
  process.stdout = stream(1, 2);
  process.stderr = stream(2, 4);
  Object.defineProperty(process, Symbol.toStringTag, { value: "process", configurable: true });

  const define = (name: string, value: unknown) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  define("process", process);
  define("global", g);
}
