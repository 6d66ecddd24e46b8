/**
 * Node's module-type rules for the package's own files, which esbuild alone would not enforce (it
 * happily bundles ESM syntax in a `.cjs` file): which files are CommonJS and which are ES modules,
 * what a CommonJS file finds in its scope, and Node's error for ESM syntax in a CommonJS file.
 * Lambda's runtime interface client loads the handler with Node's own loader (RIC rewrite:
 * src/function/module-loader.ts `import()`; 3.x: src/UserFunction.js `require`/`import()`), so
 * these are Node 24's rules (nodejs.org/api/packages.html "Determining module system"):
 * - `.mjs` is ESM, `.cjs` CommonJS;
 * - `.js` and extensionless files follow the nearest package.json's "type": "module" → ESM,
 *   "commonjs" → CommonJS, none → ESM only when the file has module syntax (syntax detection).
 * A CommonJS file gets `__filename` and `__dirname` as on Lambda (`/var/task/<path>`); `require`,
 * `module` and `exports` come from esbuild's CommonJS wrapper. ESM syntax in a file Node treats as
 * CommonJS fails the build with Node's SyntaxError text (Runtime.UserCodeSyntaxError at invoke).
 */
import { readFile } from "node:fs/promises";
import { dirname, extname, join, relative, sep } from "node:path";

import type { Plugin } from "esbuild";
import { init, parse } from "es-module-lexer";

import { TASK_ROOT } from "./handler-string.ts";

export type ModuleType = "commonjs" | "module";

/** Files whose module type Node decides; everything else (JSON, TypeScript…) is left to esbuild. */
const JS_FILE = /(^|[\\/])[^\\/.]*$|\.(c?js|mjs)$/;

/**
 * Node's module type for `path` with `source`; `packageType` is the nearest package.json's "type".
 * `hasModuleSyntax` is es-module-lexer's answer for the source.
 */
export function moduleTypeOf(path: string, packageType: string | undefined, hasModuleSyntax: boolean): ModuleType {
  const extension = extname(path);
  if (extension === ".mjs") return "module";
  if (extension === ".cjs") return "commonjs";
  if (packageType === "module") return "module";
  if (packageType === "commonjs") return "commonjs";
  return hasModuleSyntax ? "module" : "commonjs";
}

/**
 * Node's SyntaxError for the first module-syntax token in a CommonJS file, or null: `import`
 * statements and `import.meta` have their own texts, anything else (`export`) is an unexpected token.
 */
export function commonJsSyntaxError(source: string): { message: string; index: number } | null {
  const [imports, exports] = parse(source);
  const candidates: { message: string; index: number }[] = [];
  for (const entry of imports) {
    if (entry.type === "import-meta") candidates.push({ message: "Cannot use 'import.meta' outside a module", index: entry.importStart });
    // `export * from` is lexed as an import too; its own export entry names the keyword.
    else if (entry.type === "static") candidates.push({ message: "Cannot use import statement outside a module", index: entry.importStart });
  }
  for (const entry of exports) candidates.push({ message: "Unexpected token 'export'", index: entry.exportStart });
  candidates.sort((a, b) => a.index - b.index);
  return candidates[0] ?? null;
}

/** The esbuild plugin applying these rules to the files under `root` (the unpacked package). */
export function moduleScopePlugin(root: string): Plugin {
  const packageTypes = new Map<string, Promise<string | undefined>>();

  // The nearest package.json's "type", searched up to `root` (build.ts puts an empty one above it).
  const packageTypeFor = (dir: string): Promise<string | undefined> => {
    let found = packageTypes.get(dir);
    if (found === undefined) {
      found = readFile(join(dir, "package.json"), "utf8").then(
        (text) => {
          try {
            const type = (JSON.parse(text) as { type?: unknown }).type;
            return typeof type === "string" ? type : undefined;
          } catch {
            return undefined; // Node would fail on it too; esbuild reports it where it matters
          }
        },
        () => (dir === root || !dir.startsWith(root + sep) ? undefined : packageTypeFor(dirname(dir))),
      );
      packageTypes.set(dir, found);
    }
    return found;
  };

  return {
    name: "fnmesh-module-scope",
    setup(build) {
      build.onLoad({ filter: JS_FILE, namespace: "file" }, async (args) => {
        if (!args.path.startsWith(root + sep)) return undefined;
        const source = await readFile(args.path, "utf8");
        await init();
        let hasModuleSyntax: boolean;
        try {
          hasModuleSyntax = parse(source)[3];
        } catch {
          return undefined; // not lexable: esbuild reports the syntax error itself
        }
        const type = moduleTypeOf(args.path, await packageTypeFor(dirname(args.path)), hasModuleSyntax);
        if (type === "module") return undefined;
        if (hasModuleSyntax) {
          const error = commonJsSyntaxError(source);
          if (error !== null) {
            const before = source.slice(0, error.index).split("\n");
            return {
              errors: [{
                text: error.message,
                location: { file: relative(root, args.path).split(sep).join("/"), line: before.length, column: before.at(-1)?.length ?? 0, lineText: "" },
              }],
            };
          }
        }
        const file = `${TASK_ROOT}/${relative(root, args.path).split(sep).join("/")}`;
        return { contents: withCommonJsLocals(source, file), loader: "js", resolveDir: dirname(args.path) };
      });
    },
  };
}

/**
 * `source` with `__filename` and `__dirname` declared as Node's CommonJS wrapper provides them,
 * when it names either. No line is added: they go on the line of a "use strict" directive (which
 * must stay first), else at the start of the first line after any hashbang (shifting columns on
 * that line only).
 */
export function withCommonJsLocals(source: string, file: string): string {
  if (!/\b__(?:filename|dirname)\b/.test(source)) return source;
  const locals = `var __filename = ${JSON.stringify(file)}, __dirname = ${JSON.stringify(dirname(file))};`;
  const directive = /^(?:#![^\n]*\n)?(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*(["'])use strict\1[ \t]*(;?)/.exec(source);
  if (directive !== null) {
    const at = directive[0].length;
    return `${source.slice(0, at)}${directive[2] === ";" ? "" : ";"}${locals}${source.slice(at)}`;
  }
  const at = source.startsWith("#!") ? source.indexOf("\n") + 1 || source.length : 0;
  return `${source.slice(0, at)}${locals}${source.slice(at)}`;
}
