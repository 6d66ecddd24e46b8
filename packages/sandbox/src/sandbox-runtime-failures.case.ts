/** The shared suite, part two: function errors, limits and platform failures. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isFnmeshError } from "@fnmesh/protocol";
import { disposable, esmBundle, failed, invokeWith, ok, testFunction } from "./sandbox-runtime.case.ts";
import type { RuntimeFactory } from "./sandbox-runtime.case.ts";
import type { IsolateRuntimeOptions } from "./types.ts";

export function describeSandboxRuntimeFailures(name: string, create: RuntimeFactory): void {
  const runtime = (options?: IsolateRuntimeOptions) => disposable(create, options);
  const invoke = invokeWith;

  describe(`${name}: function errors`, () => {
    test("a thrown Error", async () => {
      await using rt = runtime();
      const fn = testFunction(esmBundle(`class ValidationError extends Error { name = "ValidationError"; }\nconst handler = async () => { throw new ValidationError("nope"); };`));
      const outcome = failed(await invoke(rt, fn));
      assert.equal(outcome.error.errorType, "ValidationError");
      assert.equal(outcome.error.errorMessage, "nope");
      assert.equal(outcome.error.trace[0], "ValidationError: nope");
      assert.ok(outcome.error.trace.some((line) => line.includes("/var/task/index.mjs")), outcome.error.trace.join("\n"));
      assert.ok(!outcome.error.trace.some((line) => line.includes("fnmesh:prelude")));
      assert.equal(outcome.limit, undefined);
      // A handled error keeps the isolate warm.
      assert.equal((await invoke(rt, fn)).cold, false);
    });

    test("a thrown non-Error, as Lambda reports it", async () => {
      await using rt = runtime();
      const outcome = failed(await invoke(rt, testFunction(esmBundle(`const handler = async () => { throw "plain string"; };`))));
      assert.deepEqual(outcome.error, {
        errorType: "string", errorMessage: "plain string", trace: [],
        // Lambda's runtime logs a non-Error as `new Error(String(value))`.
        logged: JSON.stringify({ errorType: "Error", errorMessage: "plain string", stack: ["Error: plain string"] }),
      });
    });

    test("the logged error form survives user code replacing JSON or planting a setter; a too-long one is cut", async () => {
      await using rt = runtime();
      const replaced = failed(await invoke(rt, testFunction(esmBundle(`const handler = async () => { JSON.stringify = () => { throw new Error("mine"); }; throw new Error("boom"); };`))));
      assert.deepEqual([replaced.error.errorType, replaced.error.errorMessage, replaced.error.logged], ["Error", "boom", undefined]);
      const planted = failed(await invoke(rt, testFunction(esmBundle(
        `const handler = async () => { Object.defineProperty(Object.prototype, "logged", { set() { throw new Error("seen"); }, get() { return 7; } }); throw new Error("boom"); };`,
      ))));
      assert.equal(planted.error.errorMessage, "boom");
      assert.equal(JSON.parse(planted.error.logged ?? "null").errorMessage, "boom");
      await using small = runtime({ maxLogBytes: 1000 });
      const long = failed(await invoke(small, testFunction(esmBundle(`const handler = async () => { const e = new Error("x"); e.blob = "y".repeat(300000); throw e; };`))));
      assert.equal(long.error.logged?.length, 1000);
      assert.ok(long.error.logged?.startsWith('{"errorType":"Error","errorMessage":"x","blob":"yyy'));
    });

    test("handler missing or not a function", async () => {
      await using rt = runtime();
      // Lambda's runtime client: a falsy export counts as missing, any other non-function "is not a function".
      const cases: [string, string][] = [
        [esmBundle(`const handler = 42;`), "app.handler is not a function"],
        [esmBundle(`const handler = { run() {} };`), "app.handler is not a function"],
        [esmBundle(`const handler = 0;`), "app.handler is undefined or not exported"],
        [`const userModule = {};\nexport { userModule };\n`, "app.handler is undefined or not exported"],
      ];
      for (const [code, message] of cases) {
        const fn = testFunction(code, { handlerName: "app.handler" });
        const outcome = failed(await invoke(rt, fn));
        assert.equal(outcome.error.errorType, "Runtime.HandlerNotFound");
        assert.equal(outcome.error.errorMessage, message);
      }
      assert.equal(rt.stats().isolates, 0);
    });

    test("importing a Node built-in the bundle did not supply fails with a clear error", async () => {
      await using rt = runtime();
      const code = `import dns from "dns";\nconst handler = async () => dns.getServers();\nconst userModule = { handler };\nexport { userModule };\n`;
      const outcome = failed(await invoke(rt, testFunction(code)));
      assert.equal(outcome.error.errorType, "Runtime.ImportModuleError");
      assert.equal(outcome.error.errorMessage, "Cannot find module 'dns': the Node.js built-in dns is not available in fnmesh isolates yet");
    });

    test("importing a built-in an isolate cannot have names the module and why", async () => {
      await using rt = runtime();
      const code = `import { fork } from "node:cluster";\nconst userModule = { handler: async () => typeof fork };\nexport { userModule };\n`;
      const outcome = failed(await invoke(rt, testFunction(code)));
      assert.equal(outcome.error.errorType, "Runtime.ImportModuleError");
      assert.equal(outcome.error.errorMessage, "Cannot find module 'node:cluster': fnmesh runs functions in V8 isolates, where cluster is not available");
    });

    test("a top-level throw fails init and the isolate is not kept", async () => {
      await using rt = runtime();
      const fn = testFunction(esmBundle(`console.log("starting");\nthrow new RangeError("bad config");\nconst handler = async () => 1;`));
      const outcome = failed(await invoke(rt, fn));
      assert.equal(outcome.error.errorType, "RangeError");
      assert.equal(outcome.error.errorMessage, "bad config");
      assert.equal(outcome.cold, true);
      assert.equal(typeof outcome.initDurationMs, "number");
      assert.deepEqual(outcome.logs.map((l) => l.message), ["starting"]);
      assert.equal(rt.stats().isolates, 0);
      assert.equal((await invoke(rt, fn)).cold, true);
    });

    test("a syntax error", async () => {
      await using rt = runtime();
      const outcome = failed(await invoke(rt, testFunction(esmBundle(`const handler = async () => { return 1 +; };`))));
      assert.equal(outcome.error.errorType, "Runtime.UserCodeSyntaxError");
      assert.match(outcome.error.errorMessage, /^SyntaxError: /);
    });

    test("a result that is not JSON-serialisable", async () => {
      await using rt = runtime();
      const outcome = failed(await invoke(rt, testFunction(esmBundle(`const handler = async () => { const a = {}; a.self = a; return a; };`))));
      assert.equal(outcome.error.errorType, "Runtime.JSONStringifyError");
      assert.match(outcome.error.errorMessage, /^Unable to stringify response body: .*circular/i);
    });

    test("an unhandled rejection fails the invocation and discards the isolate", async () => {
      await using rt = runtime();
      const fn = testFunction(esmBundle(`const handler = async () => { Promise.reject(new Error("forgotten")); await new Promise((r) => setTimeout(r, 10)); return "late"; };`));
      const outcome = failed(await invoke(rt, fn));
      assert.equal(outcome.error.errorType, "Runtime.UnhandledPromiseRejection");
      assert.equal(outcome.error.errorMessage, "Error: forgotten");
      assert.equal(outcome.error.logLabel, "Unhandled Promise Rejection");
      assert.equal(rt.stats().isolates, 0);
    });

    test("an exception thrown in a timer callback fails the invocation", async () => {
      await using rt = runtime();
      // The handler's own promise never settles: only the timer's exception (or the 30 s limit) ends it.
      const fn = testFunction(esmBundle(`const handler = async () => { setTimeout(() => { throw new SyntaxError("in timer"); }, 1); await new Promise(() => {}); };`), { timeoutMs: 30_000 });
      const outcome = failed(await invoke(rt, fn));
      assert.equal(outcome.error.errorType, "SyntaxError");
      assert.equal(outcome.error.errorMessage, "in timer");
      assert.equal(outcome.error.logLabel, "Uncaught Exception");
      assert.equal(JSON.parse(outcome.error.logged ?? "null").stack[0], "SyntaxError: in timer");
      assert.equal(rt.stats().isolates, 0);
    });

    test("too many timers throw RangeError in the isolate", async () => {
      await using rt = runtime({ maxTimers: 10 });
      const fn = testFunction(esmBundle(`const handler = async () => { for (let i = 0; i < 11; i++) setTimeout(() => {}, 1000); return "unreachable"; };`));
      const outcome = failed(await invoke(rt, fn));
      assert.equal(outcome.error.errorType, "RangeError");
      assert.match(outcome.error.errorMessage, /Too many pending timers: at most 10/);
      // Cleared timers do not count.
      const reuse = testFunction(esmBundle(`const handler = async () => { for (let i = 0; i < 50; i++) clearTimeout(setTimeout(() => {}, 1000)); return "fine"; };`));
      assert.equal(ok(await invoke(rt, reuse)), "fine");
    });
  });

  describe(`${name}: limits`, () => {
    test("an infinite synchronous loop times out and the next call succeeds", async () => {
      await using rt = runtime();
      const fn = testFunction(esmBundle(`const handler = async (event) => { if (event.spin) while (true) {} return "recovered"; };`), { timeoutMs: 300 });
      // The loop never yields: only the host's 300 ms limit can end it, and the error names that limit.
      const outcome = failed(await invoke(rt, fn, { spin: true }));
      assert.deepEqual(outcome.error, { errorType: "Sandbox.Timedout", errorMessage: "Task timed out after 0.30 seconds", trace: [] });
      assert.equal(outcome.limit, "timeout");
      assert.equal(rt.stats().isolates, 0);
      const next = await invoke(rt, fn, {});
      assert.equal(ok(next), "recovered");
      assert.equal(next.cold, true);
    });

    test("init is limited by initTimeoutMs", async () => {
      await using rt = runtime({ initTimeoutMs: 200 });
      const fn = testFunction(esmBundle(`while (true) {}\nconst handler = async () => 1;`));
      const outcome = failed(await invoke(rt, fn));
      assert.deepEqual(outcome.error, { errorType: "Sandbox.Timedout", errorMessage: "Task timed out after 0.20 seconds", trace: [] });
      assert.equal(outcome.limit, "timeout");
      assert.equal(outcome.cold, true);
      assert.equal(rt.stats().isolates, 0);
    });

    test("an endless microtask loop times out", async () => {
      await using rt = runtime();
      const fn = testFunction(esmBundle(`const handler = async () => { while (true) await null; };`), { timeoutMs: 300 });
      const outcome = failed(await invoke(rt, fn));
      assert.equal(outcome.error.errorType, "Sandbox.Timedout");
      assert.equal(outcome.limit, "timeout");
    });

    // With nothing pending the event loop empties, which nodejs20.x/22.x answer at once (lambda-handlers.test.ts).
    test("a promise that never settles while a timer keeps the loop alive times out", async () => {
      await using rt = runtime();
      const fn = testFunction(esmBundle(`const handler = () => new Promise(() => { setInterval(() => {}, 50); });`), { timeoutMs: 250 });
      const outcome = failed(await invoke(rt, fn));
      assert.equal(outcome.error.errorMessage, "Task timed out after 0.25 seconds");
      assert.ok(outcome.durationMs >= 240, `durationMs ${outcome.durationMs}`);
    });

    test("a callback handler that never calls back while a timer keeps the loop alive times out", async () => {
      await using rt = runtime();
      const fn = testFunction(esmBundle(`const handler = (event, context, callback) => { setInterval(() => {}, 50); };`), { timeoutMs: 200 });
      assert.equal(failed(await invoke(rt, fn)).limit, "timeout");
    });

    test("a memory bomb ends with Runtime.OutOfMemory and the host survives", async () => {
      await using rt = runtime();
      const fn = testFunction(
        esmBundle(`const handler = async (event) => { if (!event.bomb) return "alive"; const hoard = []; while (true) hoard.push({ n: hoard.length, s: "x" + hoard.length }); };`),
        { memoryMb: 128, timeoutMs: 30_000 },
      );
      const outcome = failed(await invoke(rt, fn, { bomb: true }));
      assert.deepEqual(outcome.error, { errorType: "Runtime.OutOfMemory", errorMessage: "Runtime exited: JavaScript heap limit of 128 MB exceeded", trace: [] });
      assert.equal(outcome.limit, "memory");
      assert.equal(outcome.maxMemoryUsedMb, 128);
      const next = await invoke(rt, fn, {});
      assert.equal(ok(next), "alive");
      assert.equal(next.cold, true);
    });

    test("WebAssembly, whose memory escapes the heap limit, is not available", async () => {
      await using rt = runtime();
      assert.equal(ok(await invoke(rt, testFunction(esmBundle(`const handler = async () => typeof WebAssembly;`)))), "undefined");
    });

    test("a result over 6 MB is Function.ResponseSizeTooLarge", async () => {
      await using rt = runtime();
      // ASCII: too many characters, caught inside the isolate.
      const ascii = failed(await invoke(rt, testFunction(esmBundle(`const handler = async () => "x".repeat(7 * 1024 * 1024);`), { memoryMb: 128 })));
      assert.equal(ascii.error.errorType, "Function.ResponseSizeTooLarge");
      assert.equal(ascii.limit, "result_size");
      // Two-byte characters: few enough characters, too many UTF-8 bytes, caught on the host.
      const wide = failed(await invoke(rt, testFunction(esmBundle(`const handler = async () => "é".repeat(3.5 * 1024 * 1024);`), { memoryMb: 128 })));
      assert.equal(wide.error.errorType, "Function.ResponseSizeTooLarge");
      assert.equal(wide.limit, "result_size");
    });
  });

  describe(`${name}: platform failures`, () => {
    test("loadCode failing throws FnmeshError code_unavailable", async () => {
      await using rt = runtime();
      const fn = testFunction("", { loadCode: async () => Promise.reject(new Error("object store down")) });
      await assert.rejects(invoke(rt, fn), (err: unknown) => isFnmeshError(err) && err.code === "code_unavailable" && err.component === "sandbox");
    });

    test("a closed runtime refuses invocations and ends running ones", async () => {
      const rt = runtime();
      // Logs, then waits on a timer that keeps the loop alive: only closing the runtime (or the 60 s limit) can end it.
      const fn = testFunction(esmBundle(`const handler = () => { console.log("running"); return new Promise(() => { setInterval(() => {}, 1000); }); };`), { timeoutMs: 60_000 });
      const started = Promise.withResolvers<void>();
      const running = invoke(rt, fn, {}, { onLog: (line) => line.message === "running" && started.resolve() });
      await Promise.race([started.promise, running.then((outcome) => assert.fail(`ended before it was closed: ${JSON.stringify(outcome)}`))]);
      assert.equal(rt.stats().busy, 1, "the handler is running");
      await rt.close();
      await assert.rejects(running, (err: unknown) => isFnmeshError(err) && err.code === "unavailable");
      await assert.rejects(invoke(rt, fn), (err: unknown) => isFnmeshError(err) && err.code === "unavailable");
      assert.equal(rt.stats().isolates, 0);
    });
  });
}
