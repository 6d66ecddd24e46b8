/**
 * An import the package cannot satisfy, reported in the words Lambda's runtime uses when Node
 * fails to load it, instead of esbuild's "Could not resolve":
 * - `require(x)` → `Runtime.ImportModuleError`, `Error: Cannot find module 'x'\nRequire stack:\n-
 *   /var/task/lib/db.js\n- /var/task/index.js\n- /var/runtime/index.mjs` (the RIC wraps Node's
 *   MODULE_NOT_FOUND: 3.x src/UserFunction.js `_loadUserApp`, rewrite src/function/module-loader.ts);
 * - `import` → errorType `Error`, Node's ERR_MODULE_NOT_FOUND text, `Cannot find package 'x'
 *   imported from /var/task/index.mjs` (or `Cannot find module '/var/task/lib/x.js' imported from …`
 *   for a path), which the RIC rethrows as it is.
 * Only a failed build pays for this: the Require stack comes from a second build with the missing
 * modules left external and esbuild's metafile, walked depth-first from the handler's file in
 * source order, as Node's `require` loads them.
 */
import { posix } from "node:path";

import { build, type BuildOptions, type Message, type Metafile, type Plugin } from "esbuild";

import { TASK_ROOT } from "./handler-string.ts";

/** What the runtime reports; `errorType` "Error" is an ES module's ERR_MODULE_NOT_FOUND, unwrapped. */
export interface MissingImport {
  errorType: "Runtime.ImportModuleError" | "Error";
  errorMessage: string;
}

const COULD_NOT_RESOLVE = /^Could not resolve "(.*)"$/;

/**
 * Lambda's report when esbuild's first error is an unresolvable import, else null. `options` are
 * the failed build's (absWorkingDir is the package root); `entry` is the handler's file in it.
 */
export async function explainMissingImport(errors: readonly Message[], options: BuildOptions, entry: string): Promise<MissingImport | null> {
  const first = errors[0];
  const specifier = first === undefined ? undefined : COULD_NOT_RESOLVE.exec(first.text)?.[1];
  const location = first?.location;
  if (specifier === undefined || location === null || location === undefined) return null;
  const importer = location.file;
  const before = location.lineText.slice(0, location.column);
  if (/\brequire(?:\.resolve)?\s*\(\s*$/.test(before)) {
    const missing = errors.flatMap((error) => COULD_NOT_RESOLVE.exec(error.text)?.[1] ?? []);
    const stack = [...(await requireStack(options, entry, importer, missing)), "/var/runtime/index.mjs"];
    return { errorType: "Runtime.ImportModuleError", errorMessage: `Error: Cannot find module '${specifier}'\nRequire stack:\n${stack.map((file) => `- ${file}`).join("\n")}` };
  }
  const from = `${TASK_ROOT}/${importer}`;
  if (specifier.startsWith(".") || specifier.startsWith("/")) {
    return { errorType: "Error", errorMessage: `Cannot find module '${posix.resolve(posix.dirname(from), specifier)}' imported from ${from}` };
  }
  const name = specifier.split("/").slice(0, specifier.startsWith("@") ? 2 : 1).join("/");
  return { errorType: "Error", errorMessage: `Cannot find package '${name}' imported from ${from}` };
}

/** `/var/task/…` paths from `importer` back to `entry`, each file's first requirer in load order. */
async function requireStack(options: BuildOptions, entry: string, importer: string, missing: readonly string[]): Promise<string[]> {
  const fallback = [`${TASK_ROOT}/${importer}`];
  let metafile: Metafile | undefined;
  try {
    const external: Plugin = {
      name: "fnmesh-missing-external",
      setup(pluginBuild) {
        pluginBuild.onResolve({ filter: /.*/ }, (args) => (missing.includes(args.path) ? { path: args.path, external: true } : undefined));
      },
    };
    metafile = (await build({ ...options, metafile: true, sourcemap: false, plugins: [external, ...(options.plugins ?? [])] })).metafile;
  } catch {
    return fallback; // another problem as well: report the importer alone
  }
  if (metafile === undefined) return fallback;
  const inputs = metafile.inputs;
  const parents = new Map<string, string>();
  const seen = new Set<string>([entry]);
  const walk = (file: string): void => {
    for (const child of inputs[file]?.imports ?? []) {
      if (child.external === true || seen.has(child.path) || inputs[child.path] === undefined) continue;
      seen.add(child.path);
      parents.set(child.path, file);
      walk(child.path);
    }
  };
  walk(entry);
  const stack: string[] = [];
  for (let at: string | undefined = importer; at !== undefined && stack.length < 1000; at = parents.get(at)) {
    stack.push(`${TASK_ROOT}/${at}`);
    if (at === entry) break;
  }
  return stack;
}
