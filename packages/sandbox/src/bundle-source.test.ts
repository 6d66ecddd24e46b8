import assert from "node:assert/strict";
import { test } from "node:test";
import { SCRIPT_PREFIX, toScriptSource } from "./bundle-source.ts";

async function evaluate(script: string): Promise<unknown> {
  // The script evaluates to an async function; indirect eval runs it as a classic script.
  const entry = (0, eval)(script) as () => Promise<unknown>;
  return entry();
}

test("esbuild's trailing export becomes a script returning the binding", async () => {
  const bundle = `var user_exports = {};\nuser_exports.handler = () => 1;\nexport {\n  user_exports as userModule\n};\n//# sourceMappingURL=index.js.map\n`;
  const script = toScriptSource(bundle);
  assert.ok(script?.startsWith(`${SCRIPT_PREFIX}var user_exports`), "line 1 keeps its place");
  assert.deepEqual(Object.keys((await evaluate(script ?? "")) as object), ["handler"]);
});

test("plain `export { userModule }` and top-level await", async () => {
  const script = toScriptSource(`const userModule = { v: await Promise.resolve(7) };export{userModule}`);
  assert.deepEqual(await evaluate(script ?? ""), { v: 7 });
});

test("other shapes stay modules", () => {
  for (const bundle of [
    `export const userModule = {};`,
    `const a = 1, userModule = {};\nexport { a, userModule };`,
    `const userModule = {};\nexport { userModule };\nconsole.log("after");`,
    `const userModule = {}; // export { userModule };`,
    `const userModule = {};\nexport { userModule as somethingElse };`,
  ]) {
    assert.equal(toScriptSource(bundle), null, bundle);
  }
});

test("a binding the bundle never declares evaluates to undefined, not a ReferenceError", async () => {
  const script = toScriptSource(`/* nothing */;export { missing as userModule };`);
  assert.equal(await evaluate(script ?? ""), undefined);
});
