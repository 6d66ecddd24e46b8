import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";

import { init, parse } from "es-module-lexer";
import { strToU8, zipSync } from "fflate";

import { buildBundle, UserCodeErrorType, type BuildResult, type BuildSuccess } from "./build.ts";
import { BundleError, BundleErrorCode } from "./errors.ts";
import { resolveExport } from "./export-path.ts";
import { unpackZip } from "./zip.ts";

/** Builds a real zip from source texts and bundles it, as ingest does. */
async function bundle(sources: Record<string, string>, handler: string): Promise<BuildResult> {
  const zip = zipSync(Object.fromEntries(Object.entries(sources).map(([path, text]) => [path, strToU8(text)])));
  return buildBundle({ files: unpackZip(zip), handler });
}

function assertOk(result: BuildResult): asserts result is BuildSuccess {
  assert.ok(result.ok, `expected a bundle, got ${JSON.stringify(result)}`);
}

/** Evaluates the bundle as an ES module in this process and returns its `userModule`. */
async function load(result: BuildSuccess): Promise<unknown> {
  const dir = await mkdtemp(join(tmpdir(), "fnmesh-bundle-test-"));
  try {
    const file = join(dir, "bundle.mjs");
    await writeFile(file, result.code);
    const namespace = (await import(pathToFileURL(file).href)) as { userModule: unknown };
    return namespace.userModule;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The dynamic imports es-module-lexer finds in `code`, as source text. */
async function dynamicImportsIn(code: string): Promise<string[]> {
  await init();
  return parse(code)[0].filter((record) => record.type === "dynamic").map((record) => code.slice(record.importStart, record.importEnd));
}

/** Bundles, evaluates, resolves the handler as the executor will, and calls it. */
async function invoke(sources: Record<string, string>, handler: string, event: unknown = {}): Promise<unknown> {
  const result = await bundle(sources, handler);
  assertOk(result);
  const fn = resolveExport(await load(result), result.exportPath);
  assert.equal(typeof fn, "function", `${handler} should resolve to a function`);
  return (fn as (event: unknown) => unknown)(event);
}

describe("buildBundle: entries and exports", () => {
  test("ESM .js entry in a type:module package", async () => {
    const sources = {
      "package.json": JSON.stringify({ type: "module" }),
      "index.js": "export const handler = async (event) => ({ echo: event.name });",
    };
    assert.deepEqual(await invoke(sources, "index.handler", { name: "esm" }), { echo: "esm" });
  });

  test("CJS exports.handler", async () => {
    const sources = { "index.js": "exports.handler = async (event) => `cjs ${event.n}`;" };
    assert.equal(await invoke(sources, "index.handler", { n: 1 }), "cjs 1");
  });

  test("CJS module.exports = { handler }", async () => {
    const sources = { "index.js": "const handler = async () => 'object'; module.exports = { handler };" };
    assert.equal(await invoke(sources, "index.handler"), "object");
  });

  test(".mjs entry", async () => {
    assert.equal(await invoke({ "app.mjs": "export async function main() { return 'mjs'; }" }, "app.main"), "mjs");
  });

  test(".cjs entry", async () => {
    assert.equal(await invoke({ "app.cjs": "exports.main = () => 'cjs';" }, "app.main"), "cjs");
  });

  test("handler in a nested directory", async () => {
    const sources = { "src/fns/app.js": "exports.main = () => 'nested';", "app.js": "exports.main = () => 'root';" };
    const result = await bundle(sources, "src/fns/app.main");
    assertOk(result);
    assert.equal(result.entry, "src/fns/app.js");
    assert.equal(await invoke(sources, "src/fns/app.main"), "nested");
  });

  test("nested export path", async () => {
    const sources = { "index.mjs": "export const handlers = { main: () => 'deep' };" };
    const result = await bundle(sources, "index.handlers.main");
    assertOk(result);
    assert.deepEqual(result.exportPath, ["handlers", "main"]);
    assert.equal(await invoke(sources, "index.handlers.main"), "deep");
  });

  test("extensions are tried in Lambda's order: none, .js, .mjs, .cjs", async () => {
    const all = { index: "exports.h = () => 'none';", "index.js": "exports.h = () => 'js';", "index.mjs": "export const h = () => 'mjs';", "index.cjs": "exports.h = () => 'cjs';" };
    assert.equal(await invoke(all, "index.h"), "none");
    const { index: _none, ...withoutNone } = all;
    assert.equal(await invoke(withoutNone, "index.h"), "js");
    const { "index.js": _js, ...mjsAndCjs } = withoutNone;
    assert.equal(await invoke(mjsAndCjs, "index.h"), "mjs");
  });

  test("top-level await in an ESM entry", async () => {
    const sources = { "index.mjs": "const value = await new Promise((r) => setTimeout(() => r(42), 1));\nexport const handler = async () => value;" };
    assert.equal(await invoke(sources, "index.handler"), 42);
  });

  test("JSON imports from ESM and CommonJS", async () => {
    const sources = {
      "config.json": JSON.stringify({ region: "local" }),
      "data/list.json": JSON.stringify([1, 2, 3]),
      "lib.cjs": "module.exports = require('./data/list.json').length;",
      "index.mjs": [
        "import config from './config.json' with { type: 'json' };",
        "import count from './lib.cjs';",
        "export const handler = () => `${config.region}:${count}`;",
      ].join("\n"),
    };
    assert.equal(await invoke(sources, "index.handler"), "local:3");
  });
});

describe("buildBundle: node_modules", () => {
  const modules = {
    // CommonJS package with "main", depending on a package nested in its own node_modules.
    "node_modules/cjs-lib/package.json": JSON.stringify({ name: "cjs-lib", main: "lib/main.js" }),
    "node_modules/cjs-lib/lib/main.js": "const dep = require('dep-lib'); exports.shout = (s) => dep.upper(s) + '!';",
    "node_modules/cjs-lib/node_modules/dep-lib/package.json": JSON.stringify({ name: "dep-lib", version: "1.0.0" }),
    "node_modules/cjs-lib/node_modules/dep-lib/index.js": "exports.upper = (s) => s.toUpperCase();",
    // ESM package with an "exports" map and a subpath; CommonJS importers get the "require" build.
    "node_modules/esm-lib/package.json": JSON.stringify({
      name: "esm-lib",
      type: "module",
      exports: {
        // "module" first: esbuild honours it by default, Node does not.
        ".": { module: "./dist/wrong.js", import: "./dist/index.js", require: "./dist/index.cjs" },
        "./util": "./dist/util.js",
      },
    }),
    "node_modules/esm-lib/dist/index.js": "import { twice } from './util.js'; export const greet = (n) => twice(`hi ${n}`);",
    "node_modules/esm-lib/dist/index.cjs": "exports.greet = (n) => `cjs hi ${n}`;",
    "node_modules/esm-lib/dist/wrong.js": "export const greet = () => 'the module condition must not be used';",
    "node_modules/esm-lib/dist/util.js": "export const twice = (s) => `${s} ${s}`;",
  };

  test("an ESM handler imports CJS and ESM packages", async () => {
    const sources = {
      ...modules,
      "index.mjs": [
        "import { shout } from 'cjs-lib';",
        "import { greet } from 'esm-lib';",
        "import { twice } from 'esm-lib/util';",
        "export const handler = async (e) => [shout(e.name), greet(e.name), twice('x')];",
      ].join("\n"),
    };
    assert.deepEqual(await invoke(sources, "index.handler", { name: "ann" }), ["ANN!", "hi ann hi ann", "x x"]);
  });

  test("a CJS handler requires CJS and ESM packages", async () => {
    const sources = {
      ...modules,
      "index.js": "const { shout } = require('cjs-lib'); const { greet } = require('esm-lib');\nexports.handler = async (e) => [shout(e.name), greet(e.name)];",
    };
    assert.deepEqual(await invoke(sources, "index.handler", { name: "bo" }), ["BO!", "cjs hi bo"]);
  });
});

describe("buildBundle: CommonJS interop as on Lambda", () => {
  test("userModule of a CJS entry: own properties copied, default is module.exports", async () => {
    const result = await bundle({ "index.js": "exports.handler = () => 1; exports.other = 2;" }, "index.handler");
    assertOk(result);
    const userModule = (await load(result)) as Record<string, unknown>;
    assert.equal(typeof userModule["handler"], "function");
    assert.equal(userModule["other"], 2);
    assert.deepEqual(Object.keys(userModule["default"] as object), ["handler", "other"]);
  });

  test("default is module.exports even when __esModule is set (Node's import(), not Babel's interop)", async () => {
    const source = "Object.defineProperty(exports, '__esModule', { value: true }); exports.handler = () => 1;";
    const result = await bundle({ "index.js": source }, "index.handler");
    assertOk(result);
    const userModule = (await load(result)) as Record<string, Record<string, unknown>>;
    assert.equal(userModule["default"]?.["__esModule"], true);
  });

  test("TypeScript-compiled `export default` (exports.default, __esModule) with handler index.default", async () => {
    const sources = { "index.js": "Object.defineProperty(exports, '__esModule', { value: true });\nexports.default = async () => 'ts default';" };
    assert.equal(await invoke(sources, "index.default"), "ts default");
  });

  test("module.exports = function, with handler index.default", async () => {
    assert.equal(await invoke({ "index.js": "module.exports = async () => 'fn';" }, "index.default"), "fn");
  });

  test("ESM `export default { handler }` with handler index.handler", async () => {
    assert.equal(await invoke({ "index.mjs": "export default { handler: () => 'via default' };" }, "index.handler"), "via default");
  });

  test("a user `require` from createRequire does not collide with the bundle's", async () => {
    const sources = {
      "index.mjs": "import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\nexport const handler = () => typeof require;",
    };
    assert.equal(await invoke(sources, "index.handler"), "function");
  });
});

describe("buildBundle: Node.js built-ins", () => {
  test("require('dns') bundles and fails when called, like a missing module", async () => {
    const sources = {
      "index.js": [
        "let optional = 'absent';",
        "try { optional = require('node:dns').getServers(); } catch (e) { if (e.code !== 'MODULE_NOT_FOUND') throw e; }",
        "exports.optional = () => optional;",
        "exports.handler = () => require('dns').lookup('localhost');",
      ].join("\n"),
    };
    assert.equal(await invoke(sources, "index.optional"), "absent");
    await assert.rejects(
      async () => invoke(sources, "index.handler"),
      (error: Error & { code?: string }) =>
        error.code === "MODULE_NOT_FOUND" && error.message === "Cannot find module 'dns': the Node.js built-in dns is not available in fnmesh isolates yet",
    );
  });

  test("a require esbuild cannot see statically fails at call time the same way", async () => {
    const sources = { "index.js": "exports.handler = (e) => require(e.name);", "x.js": "" };
    await assert.rejects(
      async () => invoke(sources, "index.handler", { name: "./x.js" }),
      (error: Error & { code?: string }) => error.code === "MODULE_NOT_FOUND" && error.message.startsWith("Cannot find module './x.js'"),
    );
  });

  test("import('dns') and import(name) leave no dynamic import in the bundle and reject naming the module", async () => {
    const sources = {
      "index.mjs": [
        "export const handler = async (event) => {",
        "  const out = [];",
        "  for (const load of [() => import('dns'), () => import(event.name)]) {",
        "    try { await load(); out.push('loaded'); } catch (e) { out.push([e.code, e.message]); }",
        "  }",
        "  return out;",
        "};",
      ].join("\n"),
    };
    const result = await bundle(sources, "index.handler");
    assertOk(result);
    assert.deepEqual(await dynamicImportsIn(result.code), []);
    // Node runs the bundle here: an import() left in it would load the module.
    assert.deepEqual(await invoke(sources, "index.handler", { name: "node:child_process" }), [
      ["ERR_MODULE_NOT_FOUND", "Cannot find module 'dns': the Node.js built-in dns is not available in fnmesh isolates yet"],
      ["ERR_MODULE_NOT_FOUND", "Cannot find module 'node:child_process': fnmesh runs functions in V8 isolates, where child_process is not available"],
    ]);
  });

  test("a user's own __fnmesh_dynamic_import binding neither clashes with nor shadows the helper", async () => {
    // Top level: a fixed-name helper would be redeclared (a SyntaxError). Nested, with no top-level
    // binding of that name for esbuild to rename it away from: a fixed-name helper would be shadowed.
    const topLevel = "let __fnmesh_dynamic_import = 'mine';\nexport const handler = () => [__fnmesh_dynamic_import, import('dns')];";
    const nested = "var __fnmesh_dynamic_import_1 = 'mine';\nexports.handler = (__fnmesh_dynamic_import) => [__fnmesh_dynamic_import_1, import('dns')];";
    for (const [file, source] of [["index.mjs", topLevel], ["index.js", nested]] as const) {
      const result = await bundle({ [file]: source }, "index.handler");
      assertOk(result);
      assert.deepEqual(await dynamicImportsIn(result.code), []);
      const [own, loading] = (await invoke({ [file]: source }, "index.handler", "param")) as [string, Promise<unknown>];
      assert.equal(own, "mine", file);
      await assert.rejects(loading, { code: "ERR_MODULE_NOT_FOUND", message: "Cannot find module 'dns': the Node.js built-in dns is not available in fnmesh isolates yet" });
    }
  });

  test("a static import of a built-in stays an import for the executor's linker", async () => {
    const result = await bundle({ "index.mjs": "import { lookup } from 'node:dns';\nexport const handler = () => lookup;" }, "index.handler");
    assertOk(result);
    assert.match(result.code, /^import \{ lookup \} from "node:dns";$/m);
  });
});

describe("buildBundle: user code that cannot load", () => {
  test("a missing module is reported, not thrown, in Lambda's words", async () => {
    const result = await bundle({ "other.js": "" }, "src/index.handler");
    assert.deepEqual(result, {
      ok: false,
      errorType: UserCodeErrorType.ImportModuleError,
      errorMessage: "Error: Cannot find module 'index'\nRequire stack:\n- /var/runtime/index.mjs",
    });
  });

  test("a syntax error names the file and line", async () => {
    const result = await bundle({ "index.mjs": "import './lib/broken.js';\nexport const handler = 1;", "lib/broken.js": "const ok = 1;\nconst x = ;\n" }, "index.handler");
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.errorType, UserCodeErrorType.UserCodeSyntaxError);
    assert.match(result.errorMessage, /^SyntaxError: lib\/broken\.js:2:11: Unexpected ";"$/);
  });

  // Lambda's texts, e.g. "Error: Cannot find module 'data-api-client'\nRequire stack:\n- /var/task/db.js\n…\n- /var/runtime/index.mjs".
  test("a require Node cannot resolve is Runtime.ImportModuleError with Node's Require stack", async () => {
    assert.deepEqual(await bundle({ "index.js": "\nconst x = require('not-installed');\nexports.handler = x;" }, "index.handler"), {
      ok: false,
      errorType: UserCodeErrorType.ImportModuleError,
      errorMessage: "Error: Cannot find module 'not-installed'\nRequire stack:\n- /var/task/index.js\n- /var/runtime/index.mjs",
    });
    const nested = { "index.js": "exports.handler = require('./lib/db.js');", "lib/db.js": "module.exports = require('data-api-client');" };
    assert.deepEqual(await bundle(nested, "index.handler"), {
      ok: false,
      errorType: UserCodeErrorType.ImportModuleError,
      errorMessage: "Error: Cannot find module 'data-api-client'\nRequire stack:\n- /var/task/lib/db.js\n- /var/task/index.js\n- /var/runtime/index.mjs",
    });
  });

  test("an import Node cannot resolve is Node's ERR_MODULE_NOT_FOUND error, which the runtime does not wrap", async () => {
    assert.deepEqual(await bundle({ "index.mjs": "import x from '@scope/pkg/sub';\nexport const handler = x;" }, "index.handler"), {
      ok: false,
      errorType: "Error",
      errorMessage: "Cannot find package '@scope/pkg' imported from /var/task/index.mjs",
    });
    assert.deepEqual(await bundle({ "src/index.mjs": "import x from '../lib/missing.js';\nexport const handler = x;" }, "src/index.handler"), {
      ok: false,
      errorType: "Error",
      errorMessage: "Cannot find module '/var/task/lib/missing.js' imported from /var/task/src/index.mjs",
    });
  });

  test("tsconfig.json paths are ignored, as Lambda ignores them", async () => {
    const sources = {
      "tsconfig.json": JSON.stringify({ compilerOptions: { baseUrl: ".", paths: { "@lib/*": ["./lib/*"] } } }),
      "lib/x.js": "exports.x = 1;",
      "index.js": "exports.handler = () => require('@lib/x.js').x;",
    };
    const result = await bundle(sources, "index.handler");
    assert.ok(!result.ok);
    assert.match(result.errorMessage, /^Error: Cannot find module '@lib\/x\.js'\n/);
  });

  test("a file outside the package cannot be imported", async () => {
    const outside = await mkdtemp(join(tmpdir(), "fnmesh-bundle-outside-"));
    try {
      await writeFile(join(outside, "secret.json"), JSON.stringify({ secret: "host" }));
      const result = await bundle(
        { "index.mjs": `import s from ${JSON.stringify(join(outside, "secret.json"))} with { type: 'json' };\nexport const handler = () => s;` },
        "index.handler",
      );
      assert.ok(!result.ok);
      assert.equal(result.errorType, UserCodeErrorType.ImportModuleError);
      assert.match(result.errorMessage, /^Error: index\.mjs:1:\d+: Cannot import a file outside the deployment package$/);
    } finally {
      await rm(outside, { recursive: true, force: true });
    }
  });
});

describe("buildBundle: caller mistakes and determinism", () => {
  test("a Handler CreateFunction refuses (whitespace) throws invalid_handler", async () => {
    await assert.rejects(
      buildBundle({ files: new Map(), handler: "index handler" }),
      (error: unknown) => error instanceof BundleError && error.code === BundleErrorCode.InvalidHandler,
    );
  });

  test("a Handler the runtime cannot use fails as the RIC reports it at invoke", async () => {
    const files = { "index.js": "exports.handler = async () => 1;" };
    assert.deepEqual(await bundle(files, "../index.handler"), {
      ok: false,
      errorType: "Runtime.MalformedHandlerName",
      errorMessage: "'../index.handler' is not a valid handler name. Use absolute paths when specifying root directories in handler names.",
    });
    assert.deepEqual(await bundle(files, "index"), { ok: false, errorType: "Runtime.MalformedHandlerName", errorMessage: "Bad handler" });
    assert.deepEqual(await bundle(files, "index."), { ok: false, errorType: "Runtime.HandlerNotFound", errorMessage: "index. is undefined or not exported" });
    // The module loads first: a syntax error wins over the missing export.
    const broken = await bundle({ "index.js": "exports.handler = (;" }, "index.");
    assert.ok(!broken.ok);
    assert.equal(broken.errorType, UserCodeErrorType.UserCodeSyntaxError);
  });

  test("an absolute /var/task Handler names the package's file, as path.resolve does on Lambda", async () => {
    const result = await bundle({ "src/app.js": "exports.handler = async () => 'abs';" }, "/var/task/src/app.handler");
    assertOk(result);
    assert.equal(result.entry, "src/app.js");
  });

  test("a path escaping the package throws invalid_zip", async () => {
    for (const files of [new Map([["../x.js", strToU8("")]]), new Map([["a", strToU8("")], ["a/b.js", strToU8("")]])]) {
      await assert.rejects(
        buildBundle({ files, handler: "a.b" }),
        (error: unknown) => error instanceof BundleError && error.code === BundleErrorCode.InvalidZip,
      );
    }
  });

  test("the same input gives the same code and sha256", async () => {
    const sources = { "index.js": "const lib = require('./lib'); exports.handler = (n) => [lib.v, import(n)];", "lib.js": "exports.v = 1;" };
    const [first, second] = [await bundle(sources, "index.handler"), await bundle(sources, "index.handler")];
    assertOk(first);
    assertOk(second);
    assert.equal(first.sha256, second.sha256);
    assert.equal(first.code, second.code);
    assert.match(first.sha256, /^[0-9a-f]{64}$/);
    assert.doesNotMatch(first.code, /fnmesh-bundle-/, "the temp dir's name must not reach the code");
  });
});
