import assert from "node:assert/strict";
import { builtinModules, isBuiltin } from "node:module";
import { describe, test } from "node:test";
import { createContext, runInContext } from "node:vm";

import { unavailableBuiltinReason } from "@fnmesh/protocol";
import { init, parse } from "es-module-lexer";

import { DYNAMIC_IMPORT_HELPER as H, rewriteDynamicImports } from "./dynamic-import.ts";

/** The executor linker's text for a built-in (protocol); the helper must say the same. */
const BUILTIN = (id: string) => `Cannot find module '${id}': ${unavailableBuiltinReason(id)}`;
const NOT_BUNDLED = (id: string) => `Cannot find module '${id}': fnmesh isolates cannot import modules; bundle dependencies into the function code`;

async function rewritten(code: string): Promise<string> {
  return (await rewriteDynamicImports(code)).code;
}

/**
 * Runs helper + rewritten code as a script in a fresh `node:vm` context and returns what `code` set
 * as `globalThis.out`, boxed so that a promise in it is not awaited here.
 */
async function run(code: string): Promise<{ out: unknown }> {
  const { code: body, helper } = await rewriteDynamicImports(code);
  const context = createContext({});
  runInContext(`${helper}\n${body}`, context);
  return { out: context["out"] };
}

interface Rejection { name: string; message: string; code: unknown }

/** The rejection of an in-context promise (another realm: no `instanceof`); fails if it fulfils. */
async function rejection(promise: unknown): Promise<Rejection> {
  try {
    await promise;
  } catch (error) {
    const { name, message, code } = error as Error & { code?: unknown };
    return { name, message, code };
  }
  assert.fail("expected the promise to reject");
}

describe("rewriteDynamicImports: what is rewritten", () => {
  test("a literal built-in", async () => {
    assert.equal(await rewritten(`const m = await import("fs");`), `const m = await ${H}("fs");`);
  });

  test("a computed specifier with an options argument and a trailing comma", async () => {
    assert.equal(
      await rewritten(`load(import(prefix + name, { with: { type: "json" } },));`),
      `load(${H}(prefix + name, { with: { type: "json" } },));`,
    );
  });

  test("nested dynamic imports, and one inside a template substitution", async () => {
    assert.equal(await rewritten(`import(import("a")).then(() => import(\`./\${import("b")}\`));`), `${H}(${H}("a")).then(() => ${H}(\`./\${${H}("b")}\`));`);
  });

  test("whitespace and comments before the paren go, their line breaks stay", async () => {
    const code = `x = import /* a */\n// b\n( y );\nz = import\r\n(w);`;
    const out = await rewritten(code);
    assert.equal(out, `x = ${H}\n\n( y );\nz = ${H}\r\n(w);`);
    assert.equal(out.split("\n").length, code.split("\n").length);
  });

  test("import.source(...) and import.defer(...) fail the same way", async () => {
    assert.equal(await rewritten(`a = import.source("x"); b = import . defer ( "y" );`), `a = ${H}("x"); b = ${H}( "y" );`);
  });

  test("the rewritten code has no dynamic import left", async () => {
    const { code } = await rewriteDynamicImports(`import(a); import(import(b)); x = \`\${import(c)}\`; import.source(d);`);
    await init();
    assert.deepEqual(parse(code)[0], []);
  });
});

describe("rewriteDynamicImports: what is left alone", () => {
  const untouched: Array<[string, string]> = [
    ["strings", `const a = "import('fs')"; const b = 'import("fs")';`],
    ["comments", `// import("fs")\n/* import("fs") */ x = 1;`],
    ["template literal text", "const t = `import(\"fs\") ${name} import(x)`;"],
    ["regular expressions", `const r = /import("fs")/; if (a) /import\\(/.test(s); x = 1 < /import(y)/.source;`],
    ["import.meta", `const url = import.meta.url; const dir = import.meta.dirname;`],
    ["static imports and exports", `import { a } from "node:fs";\nimport * as b from "./b.js";\nexport { a, b };`],
    ["members and methods named import", `const o = { import(x) { return x; } }; o.import("fs"); o?.import("fs"); class C { #import() {} import() { this.#import("fs"); } }`],
    ["no dynamic import at all", `export const handler = async () => 1;\n`],
  ];
  for (const [what, code] of untouched) {
    test(what, async () => {
      assert.equal(await rewritten(code), code);
    });
  }
});

describe("rewriteDynamicImports: the helper's name", () => {
  test(`is ${H} unless the code holds that text anywhere`, async () => {
    assert.match((await rewriteDynamicImports(`import("fs");`)).helper, new RegExp(`^async function ${H}\\(`));
  });

  test("moves to a name absent from the code, so no user binding can shadow or redeclare it", async () => {
    const code = `let ${H} = 1; const f = (${H}_1) => import("fs"); var s = "${H}_2";`;
    const result = await rewriteDynamicImports(code);
    assert.match(result.helper, new RegExp(`^async function ${H}_3\\(`));
    assert.equal(result.code, `let ${H} = 1; const f = (${H}_1) => ${H}_3("fs"); var s = "${H}_2";`);
  });

  test("a user's binding of the base name keeps its value and import() still rejects with the message", async () => {
    const { out } = (await run(`let ${H} = "mine"; globalThis.out = [${H}, ((${H}) => import("fs"))("param")];`)) as { out: [string, Promise<unknown>] };
    assert.equal(out[0], "mine");
    assert.equal((await rejection(out[1])).message, BUILTIN("fs"));
  });
});

describe("rewriteDynamicImports: the helper rejects as the linker does", () => {
  const cases: Array<[string, string]> = [
    ["dns", "Cannot find module 'dns': the Node.js built-in dns is not available in fnmesh isolates yet"],
    ["node:child_process", "Cannot find module 'node:child_process': fnmesh runs functions in V8 isolates, where child_process is not available"],
    ["worker_threads", "Cannot find module 'worker_threads': fnmesh runs functions in V8 isolates, where worker_threads is not available"],
    // Bundled only when named literally; a helper call means the name was computed.
    ["node:events", `Cannot find module 'node:events': fnmesh bundles the built-in events only where the code names it literally, as in require("events")`],
    ["node:fs", BUILTIN("node:fs")],
    ["fs/promises", BUILTIN("fs/promises")],
    ["node:test", BUILTIN("node:test")],
    ["node:sqlite", BUILTIN("node:sqlite")],
    ["test", NOT_BUNDLED("test")],
    ["node:nope", NOT_BUNDLED("node:nope")],
    ["./lib.js", NOT_BUNDLED("./lib.js")],
    ["left-pad", NOT_BUNDLED("left-pad")],
    ["data:text/javascript,export default 1", NOT_BUNDLED("data:text/javascript,export default 1")],
  ];
  for (const [id, message] of cases) {
    test(`import(${JSON.stringify(id)}) rejects with ERR_MODULE_NOT_FOUND: ${message}`, async () => {
      const { out: promise } = await run(`globalThis.out = import(${JSON.stringify(id)});`);
      assert.deepEqual(await rejection(promise), { name: "Error", message, code: "ERR_MODULE_NOT_FOUND" });
    });
  }

  test("a computed name, with an ignored options argument", async () => {
    const { out: promise } = await run(`const parts = ["node:", "child_process"]; globalThis.out = import(parts.join(""), { with: { type: "json" } });`);
    assert.deepEqual(await rejection(promise), { name: "Error", message: BUILTIN("node:child_process"), code: "ERR_MODULE_NOT_FOUND" });
  });

  test("built-in or not agrees with isBuiltin, and the reason with protocol's, for every built-in, both spellings", async () => {
    const ids = [...builtinModules, ...builtinModules.map((id) => `node:${id}`), "node:node:fs", "internal/test", "node:internal/test", "FS", "fs/"];
    const { out: results } = (await run(`globalThis.out = ${JSON.stringify(ids)}.map((id) => import(id));`)) as { out: Promise<unknown>[] };
    for (const [index, id] of ids.entries()) {
      assert.equal((await rejection(results[index])).message, isBuiltin(id) ? BUILTIN(id) : NOT_BUNDLED(id), id);
    }
  });

  test("the specifier is converted as import() converts it: toString first, a throw or a Symbol rejects", async () => {
    const { out: [object, throwing, symbol] } = (await run(`globalThis.out = [
      import({ toString: () => "fs", valueOf: () => "left-pad" }),
      import({ toString() { throw new RangeError("no string"); } }),
      import(Symbol("fs")),
    ];`)) as { out: Promise<unknown>[] };
    assert.equal((await rejection(object)).message, BUILTIN("fs"));
    assert.deepEqual(await rejection(throwing), { name: "RangeError", message: "no string", code: undefined });
    assert.equal((await rejection(symbol)).name, "TypeError");
  });

  test("a throwing argument expression throws before any promise, as for import()", async () => {
    await assert.rejects(run(`globalThis.out = import((() => { throw new SyntaxError("argument"); })());`), { name: "SyntaxError", message: "argument" });
  });
});

describe("rewriteDynamicImports: platform bugs and determinism", () => {
  test("code the lexer cannot read throws, naming it an fnmesh bug", async () => {
    await assert.rejects(rewriteDynamicImports(`const x = "unterminated`), /could not lex esbuild's output; this is an fnmesh bug/);
  });

  test("the same code gives the same output", async () => {
    const code = `export const f = (n) => [import(n), import("fs")];`;
    assert.deepEqual(await rewriteDynamicImports(code), await rewriteDynamicImports(code));
  });
});
