/**
 * Dynamic `import()` in a bundle. isolated-vm does not implement V8's dynamic-import host hook, so
 * an `import(x)` left in the bundle (a built-in, a computed name) rejects inside the isolate with a
 * bare `Error: Not supported`. Each one is rewritten into a call of a helper that rejects the way
 * the executor's linker rejects a static import (packages/sandbox/src/isolated-vm/load-bundle.ts,
 * `unresolvableImportMessage`), naming the module.
 *
 * Limit: code compiled at run time (`eval`, `new Function`, the Function constructor reached by any
 * route) is never seen here; an `import()` in it still rejects with "Not supported".
 */
import { init, parse, type DynamicImport, type Import } from "es-module-lexer";

/** The helper's name unless the code already holds it (see `helperName`). */
export const DYNAMIC_IMPORT_HELPER = "__fnmesh_dynamic_import";

import { missingModuleSource } from "./missing-module.ts";

export interface DynamicImportRewrite {
  /** The code with every dynamic import turned into a call of the helper. */
  code: string;
  /** The helper's declaration, to put before `code` in the same scope. */
  helper: string;
  /**
   * The helper's name. `<name>.missing(id, code, how)` returns the "Cannot find module" error
   * (missing-module.ts), for the banner's `require`.
   */
  name: string;
}

/**
 * Rewrites every dynamic import in `code` (esbuild's output) into a call of a helper that rejects
 * with a message naming the module. Only the `import` keyword (with `.source`/`.defer` and any
 * whitespace or comments before the `(`) is replaced, keeping its line breaks, so arguments and
 * line numbers stay. Throws if the lexer cannot read `code`: esbuild's output always lexes, so that
 * is an fnmesh bug, not the user's.
 */
export async function rewriteDynamicImports(code: string): Promise<DynamicImportRewrite> {
  await init();
  const name = helperName(code);
  // Bundles are JavaScript, so `probablyTypeOnly` (a TypeScript heuristic) is ignored.
  const dynamic = lex(code).filter((record): record is DynamicImport => record.type === "dynamic").sort((a, b) => a.importStart - b.importStart);
  let out = "";
  let last = 0;
  for (const record of dynamic) {
    const head = code.slice(record.importStart, record.dynamicStart);
    const keyword = head.replace(/\/\*[\s\S]*?\*\/|\/\/[^\n\r\u2028\u2029]*|\s+/g, "");
    if (keyword !== (record.phase === null ? "import" : `import.${record.phase}`) || code[record.dynamicStart] !== "(") {
      throw new Error(`es-module-lexer reported a dynamic import at ${record.importStart} that is not one (${JSON.stringify(head)}); this is an fnmesh bug`);
    }
    out += code.slice(last, record.importStart) + name + (head.match(/\r\n|[\n\r\u2028\u2029]/g) ?? []).join("");
    last = record.dynamicStart;
  }
  return {
    code: out + code.slice(last),
    helper: helperSource(name),
    name,
  };
}

function lex(code: string): readonly Import[] {
  try {
    return parse(code)[0];
  } catch (cause) {
    throw new Error("es-module-lexer could not lex esbuild's output; this is an fnmesh bug, not the user's", { cause });
  }
}

/**
 * A name that occurs nowhere in `code`, so no binding in it can shadow or redeclare the helper,
 * in any scope. esbuild prints identifiers unescaped, and strict code (all of an ES module) cannot
 * add bindings by `with` or `eval`, so a name absent from the text is absent from every scope.
 * A fixed name would break on a user's own `__fnmesh_dynamic_import`: esbuild renames user symbols
 * only away from its own names, and the helper is added after esbuild.
 */
function helperName(code: string): string {
  let name = DYNAMIC_IMPORT_HELPER;
  for (let n = 1; code.includes(name); n++) name = `${DYNAMIC_IMPORT_HELPER}_${n}`;
  return name;
}

/**
 * An async function, so evaluating the specifier goes as for `import()`: the argument expression
 * is evaluated before the call, and a throwing string conversion rejects. A template literal, not
 * `String()`, converts it: that is the spec's ToString, which rejects a Symbol as `import()` does.
 * An options argument is ignored. Its `missing` property builds the error (missing-module.ts); the
 * banner's `require` uses it too, so both say the same as the executor's linker.
 */
function helperSource(name: string): string {
  return `async function ${name}(specifier) {
  throw ${name}.missing(\`\${specifier}\`, "ERR_MODULE_NOT_FOUND", "import");
}
${name}.missing = ${missingModuleSource("missing")};`;
}
