/**
 * Node.js built-ins a function can load (`@fnmesh/protocol`'s ISOLATE_BUILTINS): each is a small
 * CommonJS shim in ./node-builtins/ over a well-kept npm implementation (buffer, events, util,
 * readable-stream, assert, path-browserify, string_decoder, querystring-es3, url) or over the
 * isolate's own globals (timers). Each shim is built once per process into one CommonJS text with
 * its npm code inlined and the other built-ins left as `require("x")`; the function's build then
 * loads these texts from a virtual namespace, so a function carries only the built-ins it reaches,
 * each once, and never reads a host file through the package's resolver.
 */
import { readdir, readFile } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { join } from "node:path";

import { build, type Plugin } from "esbuild";
import { isolateBuiltin, ISOLATE_BUILTINS, type IsolateBuiltin } from "@fnmesh/protocol";

const SHIM_DIR = join(import.meta.dirname, "node-builtins");
const NAMESPACE = "fnmesh-node-builtin";
/** The module node:fs loads: the package's files for its read-only /var/task (see `packageFilesSource`). */
const PACKAGE_FILES = "fnmesh:package-files";
/** Bytes of package files node:fs carries into a function; the rest are listed as left out. */
export const PACKAGE_FILES_LIMIT_BYTES = 4 * 1024 * 1024;
/** The module `inject` adds where code names the global `Buffer` (see `bufferGlobalInject`). */
export const BUFFER_GLOBAL = "fnmesh:buffer-global";

/**
 * What `inject` adds: an ES module, so esbuild knows it exports `Buffer` and rewrites free uses to
 * it; resolved as side-effect free, so a function that never names `Buffer` carries nothing.
 */
const BUFFER_GLOBAL_SOURCE = `export { Buffer } from "node:buffer";`;

/** Shim file per built-in; the rest of the name is the built-in's with "/" as "-". */
function shimFile(id: IsolateBuiltin): string {
  return join(SHIM_DIR, `${id.replace("/", "-")}.cjs`);
}

let prebuilt: Promise<ReadonlyMap<string, string>> | undefined;

/** Every shim's built text, built once per process (~0.2 s) and reused by every function's build. */
function prebuiltBuiltins(): Promise<ReadonlyMap<string, string>> {
  prebuilt ??= Promise.all(
    ISOLATE_BUILTINS.map(async (id): Promise<[string, string]> => [id, await buildShim(shimFile(id))]),
  ).then((entries) => new Map(entries));
  // A failed prebuild (an fnmesh bug or a broken install) is retried by the next build.
  prebuilt.catch(() => (prebuilt = undefined));
  return prebuilt;
}

/** npm packages that implement a built-in; a polyfill asking for one (`require("util/")`) gets the built-in. */
const IMPLEMENTATIONS: Readonly<Record<string, IsolateBuiltin>> = { buffer: "buffer", events: "events", util: "util", string_decoder: "string_decoder" };

async function buildShim(file: string): Promise<string> {
  const result = await build({
    entryPoints: [file],
    bundle: true,
    format: "cjs",
    // The npm polyfills are written for browsers: their "browser" fields pick isolate-safe files.
    platform: "browser",
    target: "es2024",
    keepNames: true,
    minify: false,
    write: false,
    logLevel: "silent",
    plugins: [
      {
        name: "fnmesh-builtin-links",
        setup(pluginBuild) {
          // Other built-ins stay `require("node:x")`, resolved again in the function's build, so a
          // function carries each built-in once.
          pluginBuild.onResolve({ filter: /^(node:)?[a-z_0-9]+(\/[a-z_]+)?$/ }, (args) => {
            const id = isolateBuiltin(args.path);
            return id === undefined ? undefined : { path: `node:${id}`, external: true };
          });
          // Only the shim itself loads the npm package; its users share the built-in.
          pluginBuild.onResolve({ filter: /^[a-z_]+\/$/ }, (args) => {
            const id = IMPLEMENTATIONS[args.path.slice(0, -1)];
            return id === undefined || args.importer === file ? undefined : { path: `node:${id}`, external: true };
          });
          pluginBuild.onResolve({ filter: /^process\/?$/ }, () => ({ path: join(SHIM_DIR, "process-shim.cjs") }));
          pluginBuild.onResolve({ filter: /^qs$/ }, () => ({ path: join(SHIM_DIR, "qs-shim.cjs") }));
          // Per function: resolved again in the function's build (nodeBuiltinsPlugin).
          pluginBuild.onResolve({ filter: /^fnmesh:package-files$/ }, (args) => ({ path: args.path, external: true }));
        },
      },
    ],
  });
  const text = result.outputFiles[0]?.text;
  if (text === undefined) throw new Error(`esbuild gave no output for ${file}; this is an fnmesh bug`);
  return text;
}

/**
 * Resolves the available built-ins (`x` and `node:x`, as Node does even when node_modules holds a
 * package of the same name) to their prebuilt texts. Other built-ins are left to esbuild's
 * `platform: "node"` handling: external, then refused at run time (build.ts, dynamic-import.ts).
 */
export function nodeBuiltinsPlugin(): Plugin {
  return {
    name: "fnmesh-node-builtins",
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^(node:)?[a-z_0-9]+(\/[a-z_]+)?$|^fnmesh:buffer-global$|^fnmesh:package-files$/ }, (args) => {
        if (args.path === BUFFER_GLOBAL || args.path === PACKAGE_FILES) return { path: args.path, namespace: NAMESPACE, sideEffects: false };
        if (!isBuiltin(args.path)) return undefined;
        const id = isolateBuiltin(args.path);
        // Side-effect free (none changes globals), so an unused import, like the unused inject, goes.
        return id === undefined ? undefined : { path: `node:${id}`, namespace: NAMESPACE, sideEffects: false };
      });
      pluginBuild.onLoad({ filter: /.*/, namespace: NAMESPACE }, async (args) => {
        if (args.path === BUFFER_GLOBAL) return { contents: BUFFER_GLOBAL_SOURCE, loader: "js" };
        if (args.path === PACKAGE_FILES) return { contents: await packageFilesSource(pluginBuild.initialOptions.absWorkingDir), loader: "js" };
        const id = args.path.replace(/^node:/, "");
        const contents = (await prebuiltBuiltins()).get(id);
        if (contents === undefined) throw new Error(`no prebuilt built-in ${args.path}; this is an fnmesh bug`);
        return { contents, loader: "js" };
      });
    },
  };
}

/** Files node:fs leaves out of its view from node_modules: code (bundled already) and documents. */
const NOT_DATA = /\.(?:[cm]?[jt]sx?|map|md|markdown)$|(?:^|\/)(?:LICEN[CS]E|README|CHANGELOG|HISTORY)[^/]*$/i;

/**
 * node:fs's view of the package (the build's `absWorkingDir`, where the zip was unpacked): a
 * CommonJS module exporting `{ files: { path: base64 }, omitted: [path], limitBytes }`. The
 * function's own files come first, then data files in node_modules (package.json, JSON, keys…);
 * past PACKAGE_FILES_LIMIT_BYTES in all, files are only listed, so a read names the limit.
 */
async function packageFilesSource(root: string | undefined): Promise<string> {
  const paths: string[] = [];
  if (root !== undefined) {
    for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name).slice(root.length + 1);
      const inModules = path.split("/").includes("node_modules");
      if (!inModules || !NOT_DATA.test(path)) paths.push(path);
    }
  }
  const own = (path: string) => (path.split("/").includes("node_modules") ? 1 : 0);
  paths.sort((a, b) => own(a) - own(b) || (a < b ? -1 : a > b ? 1 : 0));
  const files: Record<string, string> = {};
  const omitted: string[] = [];
  let total = 0;
  for (const path of paths) {
    const bytes = await readFile(join(root ?? "", path));
    if (total + bytes.byteLength > PACKAGE_FILES_LIMIT_BYTES) {
      omitted.push(path);
      continue;
    }
    total += bytes.byteLength;
    files[path] = bytes.toString("base64");
  }
  return `module.exports = ${JSON.stringify({ files, omitted, limitBytes: PACKAGE_FILES_LIMIT_BYTES })};\n`;
}
