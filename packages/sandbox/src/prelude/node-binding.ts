import type { Rt } from "./types.ts";

/**
 * In-isolate: what the Node.js built-ins bundled into a function (@fnmesh/bundle's
 * node-builtins/*.cjs) need from the host, on `globalThis[Symbol.for("fnmesh.node")]`: they are
 * user code, outside this closure. It hands out only wrappers of calls the host validates and
 * meters, as node:crypto itself would be reachable to any code. Serialised: self-contained.
 */
export function installNodeBinding(_g: Record<string, unknown>, rt: Rt): void {
  const nodeCrypto = rt.bridge.nodeCrypto;
  const nodeZlib = rt.bridge.nodeZlib;
  const binding = Object.freeze({
    crypto: (op: never, a: unknown, b?: unknown, c?: unknown, d?: unknown): unknown => nodeCrypto(op, a, b, c, d),
    zlib: (op: never, a: unknown, b?: unknown): unknown => nodeZlib(op, a, b),
    memoryLimitMb: Number(rt.config.memoryLimitInMB),
  });
  Reflect.defineProperty(globalThis, Symbol.for("fnmesh.node"), { value: binding, writable: false, configurable: false, enumerable: false });
}
