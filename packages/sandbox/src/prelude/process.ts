import type { Rt } from "./types.ts";

/**
 * In-isolate: a minimal Node `process` (env, version, platform, nextTick, hrtime, no-op events) and
 * `global`. There is deliberately no `binding`, `exit` or `kill`. Serialised: self-contained.
 */
export function installProcess(g: Record<string, unknown>, rt: Rt): void {
  const start = Date.now();
  const version = rt.config.nodeVersion;
  const queueMicrotask = g.queueMicrotask as (callback: () => void) => void;

  function hrtime(previous?: [number, number]): [number, number] {
    const ms = Date.now();
    let seconds = Math.floor(ms / 1000);
    let nanos = (ms % 1000) * 1e6;
    if (previous !== undefined) {
      seconds -= previous[0];
      nanos -= previous[1];
      if (nanos < 0) {
        seconds--;
        nanos += 1e9;
      }
    }
    return [seconds, nanos];
  }
  hrtime.bigint = (): bigint => BigInt(Date.now()) * 1000000n;

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
    execArgv: [],
    exitCode: undefined,
    cwd: () => "/var/task",
    uptime: () => (Date.now() - start) / 1000,
    hrtime,
    nextTick(callback: unknown, ...args: unknown[]) {
      if (typeof callback !== "function") throw new TypeError('The "callback" argument must be of type function');
      queueMicrotask(() => (callback as (...a: unknown[]) => void)(...args));
    },
    emitWarning(warning: unknown) {
      rt.log(3, warning instanceof Error ? `${warning.name}: ${warning.message}` : `Warning: ${String(warning)}`);
    },
  };
  // Libraries register listeners (exit, unhandledRejection...); they never fire here.
  for (const name of ["on", "once", "off", "addListener", "removeListener", "removeAllListeners", "prependListener"]) {
    process[name] = () => process;
  }
  process.emit = () => false;
  process.listeners = () => [];
  process.listenerCount = () => 0;

  const define = (name: string, value: unknown) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });
  define("process", process);
  define("global", g);
}
