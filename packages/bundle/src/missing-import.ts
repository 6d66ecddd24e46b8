/**
 * An import the package cannot satisfy, reported in the words Lambda's runtime uses when Node
 * fails to load it, instead of esbuild's "Could not resolve". A plugin records how each file was
 * first reached (its importer) so a `require` can be reported with Node's "Require stack":
 * - `require(x)` → `Runtime.ImportModuleError`, `Error: Cannot find module 'x'\nRequire stack:\n-
 *   /var/task/lib/db.js\n- /var/task/index.js\n- /var/runtime/index.mjs` (the RIC wraps Node's
 *   MODULE_NOT_FOUND: 3.x src/UserFunction.js `_loadUserApp`, rewrite src/function/module-loader.ts);
 * - `import` → errorType `Error`, Node's ERR_MODULE_NOT_FOUND text, `Cannot find package 'x'
 *   imported from /var/task/index.mjs` (or `Cannot find module '/var/task/lib/x.js' imported from …`
 *   for a path), which the RIC rethrows as it is.
 */
import { join, posix, relative, sep } from "node:path";

import type { ImportKind, Message, Plugin } from "esbuild";

import { TASK_ROOT } from "./handler-string.ts";

/** What the runtime reports; `errorType` "Error" is an ES module's ERR_MODULE_NOT_FOUND, unwrapped. */
export interface MissingImport {
  errorType: "Runtime.ImportModuleError" | "Error";
  errorMessage: string;
}

export interface ImportTrace {
  plugin: Plugin;
  /** Lambda's report for esbuild's "Could not resolve" `error`, or null for any other error. */
  explain(error: Message): MissingImport | null;
}

const FROM_TRACE = "fnmesh-import-trace";

/** The trace of one build of the package unpacked at `root`; `virtualEntry` is build.ts's own entry module. */
export function importTrace(root: string, virtualEntry: string): ImportTrace {
  /** Absolute path of a file → the absolute path of the file that first imported it. */
  const parents = new Map<string, string>();
  /** `${importer}\0${specifier}` → how the import that failed was written. */
  const failed = new Map<string, ImportKind>();

  const plugin: Plugin = {
    name: FROM_TRACE,
    setup(build) {
      build.onResolve({ filter: /.*/ }, async (args) => {
        if ((args.pluginData as Record<string, unknown> | undefined)?.[FROM_TRACE] === true || args.kind === "entry-point") return undefined;
        const result = await build.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          namespace: args.namespace,
          resolveDir: args.resolveDir,
          with: args.with,
          pluginData: { [FROM_TRACE]: true },
        });
        if (result.errors.length > 0) {
          failed.set(`${args.importer}\0${args.path}`, args.kind);
          return undefined; // esbuild resolves again and reports its own error, which explain() reads
        }
        // The handler file itself was loaded by the runtime: its stack ends there.
        if (result.namespace === "file" && args.importer !== virtualEntry && !parents.has(result.path)) parents.set(result.path, args.importer);
        return {
          path: result.path,
          external: result.external,
          namespace: result.namespace,
          sideEffects: result.sideEffects,
          suffix: result.suffix,
          pluginData: result.pluginData as unknown,
          warnings: result.warnings,
        };
      });
    },
  };

  const taskPath = (absolute: string): string => `${TASK_ROOT}/${relative(root, absolute).split(sep).join("/")}`;

  function explain(error: Message): MissingImport | null {
    const specifier = /^Could not resolve "(.*)"$/.exec(error.text)?.[1];
    const file = error.location?.file;
    if (specifier === undefined || file === undefined) return null;
    const importer = join(root, file);
    const kind = failed.get(`${importer}\0${specifier}`);
    if (kind === undefined) return null;
    if (kind === "require-call" || kind === "require-resolve") {
      const stack: string[] = [];
      for (let at: string | undefined = importer; at !== undefined && at.startsWith(root + sep) && stack.length < 100; at = parents.get(at)) {
        stack.push(`- ${taskPath(at)}`);
      }
      stack.push("- /var/runtime/index.mjs");
      return { errorType: "Runtime.ImportModuleError", errorMessage: `Error: Cannot find module '${specifier}'\nRequire stack:\n${stack.join("\n")}` };
    }
    const from = taskPath(importer);
    if (specifier.startsWith(".") || specifier.startsWith("/")) {
      const target = posix.resolve(posix.dirname(from), specifier);
      return { errorType: "Error", errorMessage: `Cannot find module '${target}' imported from ${from}` };
    }
    const name = specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
    return { errorType: "Error", errorMessage: `Cannot find package '${name}' imported from ${from}` };
  }

  return { plugin, explain };
}
