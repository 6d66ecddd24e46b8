import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isFnmeshError } from "@fnmesh/protocol";
import { createIsolateRuntime } from "./isolate-runtime.ts";
import { describeSandboxRuntimeFailures } from "./sandbox-runtime-failures.case.ts";
import { describeSandboxRuntime, disposable, esmBundle, testFunction } from "./sandbox-runtime.case.ts";
import { describeWebFetch } from "./web-fetch.case.ts";
import { describeWebGlobals } from "./web-globals.case.ts";

describeSandboxRuntime("isolated-vm", createIsolateRuntime);
describeSandboxRuntimeFailures("isolated-vm", createIsolateRuntime);
describeWebGlobals("isolated-vm", createIsolateRuntime);
describeWebFetch("isolated-vm", createIsolateRuntime);

describe("isolated-vm specifics", () => {
  test("bundles the script form cannot take run as modules, top-level await included", async () => {
    await using rt = disposable(createIsolateRuntime);
    // A second export keeps this bundle from being rewritten as a script.
    const code = `const value = await new Promise((r) => setTimeout(() => r("module form"), 10));\nexport const other = 1;\nexport const userModule = { handler: async () => value };\n`;
    const fn = testFunction(code);
    for (let i = 0; i < 2; i++) {
      const outcome = await rt.invoke({ requestId: `r${i}`, fn: { ...fn, key: `${fn.key}-${i}` }, event: "{}" });
      assert.equal(outcome.status === "ok" && outcome.result, '"module form"');
    }
  });

  test("a module form top-level throw after await is an init error", async () => {
    await using rt = disposable(createIsolateRuntime);
    const code = `await new Promise((r) => setTimeout(r, 5));\nthrow new URIError("late failure");\nexport const userModule = {};\nexport const x = 1;\n`;
    const outcome = await rt.invoke({ requestId: "r", fn: testFunction(code), event: "{}" });
    assert.equal(outcome.status, "function_error");
    assert.equal(outcome.status === "function_error" && outcome.error.errorType, "URIError");
    // The trace is the user's: no frames of the host process.
    assert.ok(outcome.status === "function_error" && !outcome.error.trace.some((line) => line.includes("packages/sandbox")));
  });

  test("a second isolate of the same code reuses the compiled-code cache", async () => {
    await using rt = disposable(createIsolateRuntime);
    const big = Array.from({ length: 3000 }, (_, i) => `function f${i}(a) { return a + ${i}; }`).join("\n");
    const fn = testFunction(esmBundle(`${big}\nconst handler = async () => f2999(1);`));
    const first = await rt.invoke({ requestId: "a", fn, event: "{}" });
    const second = await rt.invoke({ requestId: "b", fn: { ...fn, key: `${fn.key}-other-config` }, event: "{}" });
    assert.equal(first.status === "ok" && first.result, "3000");
    assert.equal(second.status === "ok" && second.result, "3000");
    assert.equal(second.cold, true);
  });

  test("invalid options are rejected", () => {
    assert.throws(() => createIsolateRuntime({ maxTimers: 0 }), (err: unknown) => isFnmeshError(err) && err.code === "invalid_request");
  });
});
