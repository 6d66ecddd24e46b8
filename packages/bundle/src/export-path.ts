/**
 * How a handler is found in a bundle's `userModule`, so that ESM and CommonJS entries behave as
 * on Lambda. `userModule` is esbuild's namespace for the entry; for a CommonJS entry that is
 * `__toESM(module.exports, 1)`: `default` is `module.exports`, and every own property of
 * `module.exports` is copied beside it (the same shape Node's `import()` gives a CommonJS file).
 *
 * Lambda's runtime interface client has two generations: 3.x `require()`s a CommonJS `.js` and
 * walks `module.exports` (descending into any truthy value); the rewrite `import()`s every file,
 * walks the namespace, then falls back to `namespace.default` (descending only into objects).
 * The rule below finds a function whenever either would: walk `userModule`, and if that does not
 * give a function, walk `userModule.default`.
 */

/**
 * Walks `exportPath` over `userModule`, then over `userModule.default`; returns the first
 * function found, else whatever the first walk reached (`undefined` if nothing), so callers can
 * tell "not exported" from "not a function". Pure and self-contained: it may be run in an isolate.
 */
export function resolveExport(userModule: unknown, exportPath: readonly string[]): unknown {
  const walk = (from: unknown): unknown => {
    let value = from;
    for (const key of exportPath) {
      if (value === null || (typeof value !== "object" && typeof value !== "function")) return undefined;
      value = (value as Record<string, unknown>)[key];
    }
    return value;
  };
  const direct = walk(userModule);
  if (typeof direct === "function") return direct;
  const viaDefault =
    userModule !== null && typeof userModule === "object"
      ? walk((userModule as Record<string, unknown>)["default"])
      : undefined;
  return typeof viaDefault === "function" ? viaDefault : (direct ?? viaDefault);
}
