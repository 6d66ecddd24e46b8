/**
 * Node.js built-in modules in fnmesh isolates: which ones a function can load, and the message
 * for one it cannot. The bundler (which bundles the available ones into the function's code) and
 * the executor's module linker (which rejects static imports of the rest) must say the same thing.
 */

/** Built-ins bundled into functions, without the `node:` prefix. Both spellings load them. */
export const ISOLATE_BUILTINS = [
  "assert",
  "assert/strict",
  "async_hooks",
  "buffer",
  "crypto",
  "events",
  "fs",
  "fs/promises",
  "http",
  "http2",
  "https",
  "os",
  "path",
  "path/posix",
  "process",
  "querystring",
  "stream",
  "stream/promises",
  "string_decoder",
  "timers",
  "timers/promises",
  "url",
  "util",
  "util/types",
  "zlib",
] as const;
export type IsolateBuiltin = (typeof ISOLATE_BUILTINS)[number];

/** Built-ins that cannot exist in a V8 isolate: no processes, sockets, threads or V8 internals. */
export const IMPOSSIBLE_BUILTINS = ["child_process", "cluster", "dgram", "inspector", "net", "repl", "trace_events", "v8", "vm", "worker_threads"] as const;

/** `x` for `node:x` or `x`, when it names one of the available built-ins; else undefined. */
export function isolateBuiltin(specifier: string): IsolateBuiltin | undefined {
  const id = specifier.startsWith("node:") ? specifier.slice(5) : specifier;
  return (ISOLATE_BUILTINS as readonly string[]).includes(id) ? (id as IsolateBuiltin) : undefined;
}

/**
 * The text after `Cannot find module '<specifier>': ` for a Node.js built-in a function's code
 * asked for and did not get (`specifier` as written, e.g. "node:fs"); pass only built-ins (Node's
 * `isBuiltin`). An available one is missing only when named at run time (`require(name)`), which
 * the bundler cannot see. The bundle carries a copy of this logic (@fnmesh/bundle's
 * missing-module.ts, tested against this).
 */
export function unavailableBuiltinReason(specifier: string): string {
  const id = specifier.startsWith("node:") ? specifier.slice(5) : specifier;
  const top = id.split("/")[0] ?? id;
  if ((IMPOSSIBLE_BUILTINS as readonly string[]).includes(top)) return `fnmesh runs functions in V8 isolates, where ${id} is not available`;
  if (isolateBuiltin(id) !== undefined) return `fnmesh bundles the built-in ${id} only where the code names it literally, as in require("${id}")`;
  return `the Node.js built-in ${id} is not available in fnmesh isolates yet`;
}
