/**
 * The bundle's own "Cannot find module" error, for what esbuild left to run time: a `require` or
 * `import()` of a built-in that is not bundled, or of a name computed at run time. Emitted as source
 * (a function the banner's `require` and the dynamic import helper call); the reason for a built-in
 * mirrors `@fnmesh/protocol`'s `unavailableBuiltinReason`, which the executor's linker uses for
 * static imports (missing-module.test.ts checks they agree for every built-in).
 */
import { builtinModules } from "node:module";

import { IMPOSSIBLE_BUILTINS, ISOLATE_BUILTINS } from "@fnmesh/protocol";

/** `isBuiltin` semantics as data: "fs", "node:fs", "fs/promises", but "node:test" only prefixed. */
const BUILTIN_IDS = [...new Set(builtinModules.flatMap((id) => (id.startsWith("node:") ? [id] : [id, `node:${id}`])))].sort();

/** Why a module named at run time is missing when it is not a built-in, per way of loading. */
export const NOT_BUNDLED = {
  require: "fnmesh functions cannot load modules named at run time; bundle dependencies into the function code",
  import: "fnmesh isolates cannot import modules; bundle dependencies into the function code",
} as const;

/**
 * Source of `function name(id, code, how)`: returns (not throws) Node's error for a missing module:
 * `Cannot find module '<id>': <reason>` with `code` set; `how` is "require" or "import".
 */
export function missingModuleSource(name: string): string {
  return `function ${name}(id, code, how) {
  let reason = how === "require" ? ${JSON.stringify(NOT_BUNDLED.require)} : ${JSON.stringify(NOT_BUNDLED.import)};
  if (${JSON.stringify(BUILTIN_IDS)}.includes(id)) {
    const bare = id.startsWith("node:") ? id.slice(5) : id;
    reason = ${JSON.stringify(IMPOSSIBLE_BUILTINS)}.includes(bare.split("/")[0])
      ? "fnmesh runs functions in V8 isolates, where " + bare + " is not available"
      : ${JSON.stringify(ISOLATE_BUILTINS)}.includes(bare)
        ? "fnmesh bundles the built-in " + bare + " only where the code names it literally, as in require(\\"" + bare + "\\")"
        : "the Node.js built-in " + bare + " is not available in fnmesh isolates yet";
  }
  const error = new Error("Cannot find module '" + id + "': " + reason);
  error.code = code;
  return error;
}`;
}
