import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { pathToFileURL } from "node:url";

import { init } from "es-module-lexer";
import { strToU8, zipSync } from "fflate";

import { buildBundle, type BuildResult } from "./build.ts";
import { resolveExport } from "./export-path.ts";
import { commonJsSyntaxError, moduleTypeOf, withCommonJsLocals } from "./module-scope.ts";
import { unpackZip } from "./zip.ts";

async function bundle(sources: Record<string, string>, handler = "index.handler"): Promise<BuildResult> {
  const zip = zipSync(Object.fromEntries(Object.entries(sources).map(([path, text]) => [path, strToU8(text)])));
  return buildBundle({ files: unpackZip(zip), handler });
}

/** Builds, evaluates the bundle in this process and calls its handler. */
async function run(sources: Record<string, string>): Promise<unknown> {
  const result = await bundle(sources);
  assert.ok(result.ok, JSON.stringify(result));
  const dir = await mkdtemp(join(tmpdir(), "fnmesh-module-scope-"));
  try {
    await writeFile(join(dir, "bundle.mjs"), result.code);
    const { userModule } = (await import(pathToFileURL(join(dir, "bundle.mjs")).href)) as { userModule: unknown };
    return await (resolveExport(userModule, result.exportPath) as () => unknown)();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("moduleTypeOf: Node 24's rules (nodejs.org/api/packages.html, Determining module system)", () => {
  const cases: Array<[string, string | undefined, boolean, string]> = [
    ["a.mjs", undefined, false, "module"],
    ["a.mjs", "commonjs", false, "module"],
    ["a.cjs", "module", true, "commonjs"],
    ["a.js", "module", false, "module"],
    ["a.js", "commonjs", true, "commonjs"],
    ["a.js", undefined, true, "module"], // syntax detection
    ["a.js", undefined, false, "commonjs"],
    ["bin/tool", undefined, false, "commonjs"],
  ];
  for (const [path, type, syntax, expected] of cases) {
    test(`${path} with type ${type ?? "(none)"}${syntax ? " and module syntax" : ""} is ${expected}`, () => {
      assert.equal(moduleTypeOf(path, type, syntax), expected);
    });
  }
});

describe("commonJsSyntaxError: Node's texts for module syntax in a CommonJS file", () => {
  test("the first offending token wins", async () => {
    await init();
    assert.deepEqual(commonJsSyntaxError("const a = 1;\nexport const b = 2;\n"), { message: "Unexpected token 'export'", index: 13 });
    assert.deepEqual(commonJsSyntaxError("import x from 'y';\nexport default x;\n"), { message: "Cannot use import statement outside a module", index: 0 });
    assert.equal(commonJsSyntaxError("const u = import.meta.url;\n")?.message, "Cannot use 'import.meta' outside a module");
    assert.equal(commonJsSyntaxError("exports.x = import('y');\n"), null, "a dynamic import is allowed in CommonJS");
  });
});

describe("withCommonJsLocals", () => {
  const locals = `var __filename = "/var/task/lib/a.js", __dirname = "/var/task/lib";`;
  test("goes on the \"use strict\" line, else first after a hashbang, adding no line", () => {
    assert.equal(withCommonJsLocals("exports.a = __dirname;", "/var/task/lib/a.js"), `${locals}exports.a = __dirname;`);
    assert.equal(withCommonJsLocals("'use strict'\nexports.a = __dirname;", "/var/task/lib/a.js"), `'use strict';${locals}\nexports.a = __dirname;`);
    assert.equal(
      withCommonJsLocals("#!/usr/bin/env node\n// c\n\"use strict\";\nx(__filename);", "/var/task/lib/a.js"),
      `#!/usr/bin/env node\n// c\n"use strict";${locals}\nx(__filename);`,
    );
    assert.equal(withCommonJsLocals("#!/usr/bin/env node\nx(__filename);", "/var/task/lib/a.js"), `#!/usr/bin/env node\n${locals}x(__filename);`);
  });

  test("leaves a file that names neither untouched", () => {
    assert.equal(withCommonJsLocals("exports.a = 1;", "/var/task/lib/a.js"), "exports.a = 1;");
  });
});

describe("buildBundle: module types as Node loads them", () => {
  test("module syntax in a file Node treats as CommonJS is Runtime.UserCodeSyntaxError with Node's text", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ "index.cjs": "export const handler = async () => 1;\n" }, "SyntaxError: index.cjs:1:1: Unexpected token 'export'"],
      [{ "package.json": '{"type":"commonjs"}', "index.js": "\nexport const handler = async () => 1;\n" }, "SyntaxError: index.js:2:1: Unexpected token 'export'"],
      [{ "index.cjs": "import x from './x.cjs';\nexports.handler = async () => x;\n", "x.cjs": "module.exports = 1;" }, "SyntaxError: index.cjs:1:1: Cannot use import statement outside a module"],
      [{ "index.js": "exports.handler = require('./lib/x.cjs').h;\n", "lib/x.cjs": "export const h = 1;" }, "SyntaxError: lib/x.cjs:1:1: Unexpected token 'export'"],
    ];
    for (const [sources, message] of cases) {
      assert.deepEqual(await bundle(sources), { ok: false, errorType: "Runtime.UserCodeSyntaxError", errorMessage: message });
    }
  });

  test("a .js file with module syntax and no package type is an ES module (syntax detection); with type module too", async () => {
    assert.equal(await run({ "index.js": "export const handler = async () => 'detected';\n" }), "detected");
    assert.equal(await run({ "package.json": '{"type":"module"}', "index.js": "export const handler = async () => typeof __dirname;\n" }), "undefined");
  });

  test("CommonJS files get __filename and __dirname as on Lambda (/var/task/...), node_modules included", async () => {
    const value = await run({
      "index.js": "'use strict'\nconst dep = require('dep');\nexports.handler = async () => [__filename, __dirname, dep];\n",
      "node_modules/dep/package.json": '{"main":"lib/main.js"}',
      "node_modules/dep/lib/main.js": "module.exports = [__filename, __dirname];\n",
    });
    assert.deepEqual(value, ["/var/task/index.js", "/var/task", ["/var/task/node_modules/dep/lib/main.js", "/var/task/node_modules/dep/lib"]]);
  });
});
