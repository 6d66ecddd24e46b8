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
import { dirname, extname, join, posix } from "node:path";

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

/** Above this many files to look at, one filter for all JS files beats a regex of their paths. */
const MAX_LISTED = 2000;

/**
 * The esbuild plugin applying these rules to `files` (package path → bytes), unpacked at `root`.
 * Only files that may need something (a CommonJS file naming `__filename`/`__dirname`, module
 * syntax in a `.cjs` file or under `"type": "commonjs"`) are found from memory up front and given
 * to esbuild as the plugin's filter, so the rest of a large dependency tree costs nothing here.
 */
export function moduleScopePlugin(root: string, files: ReadonlyMap<string, Uint8Array>): Plugin {
  const types = new Map<string, string | undefined>();
  // The nearest package.json's "type" for a package path, as Node finds it.
  const packageTypeOf = (path: string): string | undefined => {
    const dir = posix.dirname(path);
    if (types.has(dir)) return types.get(dir);
    let type: string | undefined;
    const manifest = files.get(dir === "." ? "package.json" : `${dir}/package.json`);
    if (manifest !== undefined) {
      try {
        const value = (JSON.parse(new TextDecoder().decode(manifest)) as { type?: unknown }).type;
        type = typeof value === "string" ? value : undefined;
      } catch {
        type = undefined; // Node would fail on it too; esbuild reports it where it matters
      }
    } else if (dir !== ".") {
      type = packageTypeOf(dir);
    }
    types.set(dir, type);
    return type;
  };

  const decoder = new TextDecoder();
  const candidates = new Map<string, { path: string; source: string }>();
  for (const [path, bytes] of files) {
    const extension = posix.extname(path);
    if (!JS_FILE.test(path) || extension === ".mjs") continue;
    const source = decoder.decode(bytes);
    const namesLocals = /\b__(?:filename|dirname)\b/.test(source);
    const mayHaveModuleSyntax = source.includes("import") || source.includes("export");
    const declaredCommonJs = extension === ".cjs" || packageTypeOf(path) === "commonjs";
    if (namesLocals || (mayHaveModuleSyntax && declaredCommonJs)) candidates.set(join(root, path), { path, source });
  }

  return {
    name: "fnmesh-module-scope",
    setup(build) {
      if (candidates.size === 0) return;
      const filter =
        candidates.size <= MAX_LISTED ? new RegExp(`^(?:${[...candidates.keys()].map((path) => path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})$`) : JS_FILE;
      build.onLoad({ filter, namespace: "file" }, async (args) => {
        const candidate = candidates.get(args.path);
        if (candidate === undefined) return undefined;
        const { path, source } = candidate;
        let hasModuleSyntax = false;
        if (source.includes("import") || source.includes("export")) {
          await init();
          try {
            hasModuleSyntax = parse(source)[3];
          } catch {
            return undefined; // not lexable: esbuild reports the syntax error itself
          }
        }
        if (moduleTypeOf(path, packageTypeOf(path), hasModuleSyntax) === "module") return undefined;
        if (hasModuleSyntax) {
          const error = commonJsSyntaxError(source);
          if (error !== null) {
            const before = source.slice(0, error.index).split("\n");
            return { errors: [{ text: error.message, location: { file: path, line: before.length, column: before.at(-1)?.length ?? 0, lineText: "" } }] };
          }
        }
        return { contents: withCommonJsLocals(source, `${TASK_ROOT}/${path}`), loader: "js", resolveDir: dirname(args.path) };
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
