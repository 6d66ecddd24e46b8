/**
 * Bundles a deployment package into one ES module for an isolate: no filesystem, only the Node.js
 * built-ins node-builtins.ts bundles in. Lambda accepts broken code at deploy time and fails at
 * invoke time, so problems in the user's code are returned as data (`ok: false`) for the caller to
 * store and report on invoke.
 */
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, realpath, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, posix, sep } from "node:path";

import { build, type BuildOptions, type Message, type Plugin } from "esbuild";

import { rewriteDynamicImports } from "./dynamic-import.ts";
import { isParsedHandler, parseHandler } from "./handler-string.ts";
import { BUFFER_GLOBAL, nodeBuiltinsPlugin } from "./node-builtins.ts";
import { explainMissingImport } from "./missing-import.ts";
import { moduleScopePlugin } from "./module-scope.ts";
import { writePackageDir } from "./package-dir.ts";
import { relocateSourceMap, sourceMapComment } from "./source-map.ts";
import { toPackagePath } from "./package-path.ts";

/**
 * Version of the bundle's shape (the `userModule` export, the banner's `require` shim and dynamic
 * import helper); bumped on change. 2: dynamic imports call the helper (dynamic-import.ts).
 * 3: Node.js built-ins available in isolates are bundled in (node-builtins.ts).
 * 4: a source map for stack traces ends the code (source-map.ts).
 */
export const BUNDLE_FORMAT_VERSION = 4;

/** Lambda's `errorType` for code (or a Handler) that cannot be loaded. contract: never rename. */
export const UserCodeErrorType = {
  ImportModuleError: "Runtime.ImportModuleError",
  UserCodeSyntaxError: "Runtime.UserCodeSyntaxError",
  MalformedHandlerName: "Runtime.MalformedHandlerName",
  HandlerNotFound: "Runtime.HandlerNotFound",
} as const;
export type UserCodeErrorType = (typeof UserCodeErrorType)[keyof typeof UserCodeErrorType];

/** A package (from `unpackZip`) and the function's `Handler`. */
export interface BuildInput {
  files: ReadonlyMap<string, Uint8Array>;
  handler: string;
}

/** A bundle: evaluate `code` as an ES module, then `resolveExport(userModule, exportPath)`. */
export interface BuildSuccess {
  ok: true;
  code: string;
  /** Hex SHA-256 of `code` (UTF-8); the same input always gives the same code. */
  sha256: string;
  exportPath: string[];
  /** The entry file inside the package, e.g. "src/app.js". */
  entry: string;
}

/**
 * User code that Lambda would fail to load; report it on invoke as `{ errorType, errorMessage }`.
 * `errorType` "Error": an ES module's import Node cannot find, which the runtime does not wrap.
 */
export interface BuildFailure {
  ok: false;
  errorType: UserCodeErrorType | "Error";
  errorMessage: string;
}

export type BuildResult = BuildSuccess | BuildFailure;

/** The runtime interface client's lookup order for `${moduleRoot}/${moduleName}`. */
const ENTRY_EXTENSIONS = ["", ".js", ".mjs", ".cjs"] as const;

/** The output's name for esbuild (nothing is written); the map's sources are relative to its directory. */
const BUNDLE_OUTFILE = "fnmesh-bundle.mjs";

/** esbuild's own `//# sourceMappingURL=<file>.map` line: the map is appended as data instead. */
function stripSourceMapUrl(code: string): string {
  return code.replace(/\n\/\/# sourceMappingURL=[^\n]*\n?$/, "\n");
}

/** The virtual entry's name; ".mjs" puts esbuild's CommonJS interop in Node mode (see export-path.ts). */
const ENTRY_SOURCEFILE = "fnmesh-entry.mjs";

const CONFINE_PLUGIN = "fnmesh-confine";

/**
 * Prepended to every bundle, before the dynamic import helper (dynamic-import.ts).
 * esbuild compiles `require("fs")` of an external (a Node built-in not bundled), and a
 * `require(name)` it cannot resolve statically, to a shim that calls a `require` in scope, else
 * throws 'Dynamic require of "fs" is not supported'.
 * This `require` uses the host's if the isolate defines one, else throws the error Node throws
 * for a missing module (`MODULE_NOT_FOUND`, the message naming the module and why), so libraries'
 * `try { require(x) } catch` fallbacks keep working. It runs only after the helper is declared.
 * esbuild never names a symbol of its own `require` in ESM output, so this cannot collide.
 */
function banner(helperName: string): string {
  return `// fnmesh bundle format ${BUNDLE_FORMAT_VERSION}
var require = globalThis.require ?? function require(id) {
  throw ${helperName}.missing(id, "MODULE_NOT_FOUND", "require");
};`;
}

/**
 * Bundles `input.files` starting from the module named by `input.handler`. Throws `BundleError`
 * for a caller mistake (`invalid_handler`, or `invalid_zip` for a path no zip may hold).
 */
export async function buildBundle(input: BuildInput): Promise<BuildResult> {
  const parsed = parseHandler(input.handler);
  // Lambda stores such a Handler and fails every invoke with this error (handler-string.ts).
  if (!isParsedHandler(parsed)) return { ok: false, errorType: parsed.errorType, errorMessage: parsed.errorMessage };
  const { moduleRoot, moduleName, exportPath } = parsed;
  const files = new Map<string, Uint8Array>();
  for (const [path, data] of input.files) files.set(toPackagePath(path), data);

  const base = posix.join(moduleRoot, moduleName);
  const candidates = ENTRY_EXTENSIONS.map((extension) => base + extension);
  const entry = candidates.find((path) => files.has(path));
  if (entry === undefined) {
    return {
      ok: false,
      errorType: UserCodeErrorType.ImportModuleError,
      // Lambda's text (the RIC's last resort, require.resolve from /var/runtime/index.mjs, fails).
      errorMessage: `Error: Cannot find module '${moduleName}'\nRequire stack:\n- /var/runtime/index.mjs`,
    };
  }

  // realpath: esbuild reports real paths, which the confinement check compares against.
  const dir = await realpath(await mkdtemp(join(tmpdir(), "fnmesh-bundle-")));
  const root = join(dir, "package");
  let options: BuildOptions | undefined;
  try {
    await mkdir(root);
    // Ends esbuild's upward search for the "type" field at our own directory.
    await writeFile(join(dir, "package.json"), "{}");
    await writePackageDir(root, files);

    options = {
      stdin: {
        contents: `import * as userModule from ${JSON.stringify(`./${entry}`)};\nexport { userModule };\n`,
        resolveDir: root,
        sourcefile: ENTRY_SOURCEFILE,
        loader: "js",
      },
      // Paths in the output are relative to this, so the temp dir's name never reaches the code.
      absWorkingDir: root,
      bundle: true,
      format: "esm",
      platform: "node", // Node resolution; built-ins not bundled become external imports or `require` calls
      conditions: [], // only Node's conditions: esbuild adds "module" unless given a list
      tsconfigRaw: {}, // Lambda ignores tsconfig.json; also stops esbuild reading ones above `dir`
      target: "es2024",
      keepNames: true,
      minify: false,
      write: false,
      // A map for stack traces (source-map.ts): mappings only, the sources stay out of it.
      sourcemap: "external",
      sourcesContent: false,
      outfile: BUNDLE_OUTFILE,
      logLevel: "silent",
      // Code naming the global `Buffer` gets node:buffer's, as in Node; reads of `global.Buffer` and
      // `globalThis.Buffer` too (assignments to them are left alone).
      inject: [BUFFER_GLOBAL],
      define: { "global.Buffer": "Buffer", "globalThis.Buffer": "Buffer" },
      plugins: [nodeBuiltinsPlugin(), confineTo(root), moduleScopePlugin(root, files)],
    } satisfies BuildOptions;
    const result = await build({ ...options, write: false });
    // Added after esbuild, which never sees the banner: the helper's name is chosen from the output.
    const output = result.outputFiles.find((file) => file.path.endsWith(BUNDLE_OUTFILE));
    const mapFile = result.outputFiles.find((file) => file.path.endsWith(`${BUNDLE_OUTFILE}.map`));
    const rewritten = await rewriteDynamicImports(stripSourceMapUrl(output?.text ?? ""));
    const prefix = `${banner(rewritten.name)}\n${rewritten.helper}\n`;
    // rewriteDynamicImports keeps line breaks, so only the prefix shifts lines.
    const map = mapFile === undefined ? "" : `\n${sourceMapComment(relocateSourceMap(mapFile.text, prefix.split("\n").length - 1))}\n`;
    const code = `${prefix}${rewritten.code}${map}`;
    const sha256 = createHash("sha256").update(code).digest("hex");
    // The RIC walks `module[""]`, which no bundle exports: the module loads, the handler is not found.
    if (exportPath.includes("")) {
      return { ok: false, errorType: UserCodeErrorType.HandlerNotFound, errorMessage: `${input.handler} is undefined or not exported` };
    }
    return { ok: true, code, sha256, exportPath, entry };
  } catch (error) {
    if (isEsbuildFailure(error)) {
      const missing = options === undefined ? null : await explainMissingImport(error.errors, options, entry);
      return missing !== null ? { ok: false, ...missing } : toBuildFailure(error.errors);
    }
    throw error;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Refuses to load files outside the package: without this, `import "/etc/x.json"`, a
 * `../../..` path or a node_modules found above the temp dir would copy host files into the bundle.
 */
function confineTo(root: string): Plugin {
  return {
    name: CONFINE_PLUGIN,
    setup(pluginBuild) {
      pluginBuild.onLoad({ filter: /.*/, namespace: "file" }, (args) =>
        args.path.startsWith(root + sep)
          ? undefined
          : { errors: [{ text: "Cannot import a file outside the deployment package" }] },
      );
    },
  };
}

function isEsbuildFailure(error: unknown): error is Error & { errors: Message[] } {
  return error instanceof Error && Array.isArray((error as { errors?: unknown }).errors);
}

/** esbuild messages that mean a module could not be found or read; everything else is syntax. */
const IMPORT_FAILURE = /^(Could not resolve|Could not read|Cannot read|No loader is configured|Do not know how to load)/;

/**
 * Lambda's shape: `errorMessage` is `String(error)`; we add esbuild's file:line:column. (A missing
 * import is reported as Node words it: missing-import.ts.)
 */
function toBuildFailure(errors: readonly Message[]): BuildFailure {
  const first = errors[0];
  const text = first?.text ?? "The build failed";
  const importFailure = first === undefined || first.pluginName === CONFINE_PLUGIN || IMPORT_FAILURE.test(text);
  const location = first?.location;
  const where = location ? `${location.file}:${location.line}:${location.column + 1}: ` : "";
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more errors)` : "";
  return {
    ok: false,
    errorType: importFailure ? UserCodeErrorType.ImportModuleError : UserCodeErrorType.UserCodeSyntaxError,
    errorMessage: `${importFailure ? "Error" : "SyntaxError"}: ${where}${text}${more}`,
  };
}
