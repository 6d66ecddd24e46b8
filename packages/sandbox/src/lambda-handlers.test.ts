/**
 * How each handler form is answered, per runtime generation, as Lambda's Node.js runtime interface
 * client (RIC, aws/aws-lambda-nodejs-runtime-interface-client) answers it: 3.x for nodejs20.x/22.x
 * (src/Runtime.js, src/CallbackContext.js, src/BeforeExitListener.js), the rewrite for nodejs24.x
 * (src/runtime/buffered-invoke-processor.ts, src/context/context-builder.ts). Through the
 * isolated-vm runtime. "Did a timer run before the answer" is read back from module state by a
 * second invocation: timers still pending when an invocation ends are cancelled.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createIsolateRuntime } from "./isolate-runtime.ts";
import { disposable, esmBundle, failed, invokeWith, ok, testFunction } from "./sandbox-runtime.case.ts";
import type { SandboxFunction } from "./types.ts";

/** A handler module that counts timer callbacks in `ticks`; `{ read: true }` returns the count. */
function counting(handler: string, overrides: Partial<SandboxFunction> = {}): SandboxFunction {
  return testFunction(esmBundle(`let ticks = 0;\nconst tick = () => { ticks++; };\nconst inner = ${handler};\nconst handler = function (event, ...rest) { return event.read ? Promise.resolve(ticks) : inner(event, ...rest); };`), overrides);
}

describe("nodejs20.x/22.x: the RIC 3.x's callback and event-loop rules", () => {
  test("a sync handler that returns a value without calling back answers null once the loop is empty", async () => {
    await using rt = disposable(createIsolateRuntime);
    const fn = counting(`(event) => { setTimeout(tick, 30); return 42; }`);
    assert.equal(ok(await invokeWith(rt, fn)), null);
    assert.equal(ok(await invokeWith(rt, fn, { read: true })), 1, "the timer ran before the answer");
  });

  test("callback(null, value) waits for pending timers by default (callbackWaitsForEmptyEventLoop true)", async () => {
    await using rt = disposable(createIsolateRuntime);
    const fn = counting(`(event, context, callback) => { setTimeout(() => { tick(); setTimeout(tick, 20); }, 20); callback(null, { waited: context.callbackWaitsForEmptyEventLoop }); }`);
    assert.deepEqual(ok(await invokeWith(rt, fn)), { waited: true });
    assert.equal(ok(await invokeWith(rt, fn, { read: true })), 2);
  });

  test("callbackWaitsForEmptyEventLoop = false answers at the callback; pending timers are dropped", async () => {
    await using rt = disposable(createIsolateRuntime);
    const fn = counting(`(event, context, callback) => { context.callbackWaitsForEmptyEventLoop = false; setTimeout(tick, 200); callback(null, "now"); }`);
    assert.equal(ok(await invokeWith(rt, fn)), "now");
    assert.equal(ok(await invokeWith(rt, fn, { read: true })), 0);
  });

  test("a timer running past the timeout times the invocation out after callback(null, …)", async () => {
    await using rt = disposable(createIsolateRuntime);
    const fn = counting(`(event, context, callback) => { setTimeout(tick, 60000); callback(null, "too late"); }`, { timeoutMs: 300 });
    const outcome = failed(await invokeWith(rt, fn));
    assert.equal(outcome.error.errorType, "Sandbox.Timedout");
    assert.equal(outcome.error.errorMessage, "Task timed out after 0.30 seconds");
  });

  test("an unref()'d timer does not keep the loop alive", async () => {
    await using rt = disposable(createIsolateRuntime);
    const fn = counting(`(event, context, callback) => { const t = setTimeout(tick, 60000); t.unref(); callback(null, t.hasRef()); }`, { timeoutMs: 1000 });
    assert.equal(ok(await invokeWith(rt, fn)), false);
  });

  test("a returned promise answers when it settles, without waiting for timers", async () => {
    await using rt = disposable(createIsolateRuntime);
    const fn = counting(`async () => { setTimeout(tick, 200); return "settled"; }`);
    assert.equal(ok(await invokeWith(rt, fn)), "settled");
    assert.equal(ok(await invokeWith(rt, fn, { read: true })), 0);
  });

  test("callback(error), done, succeed and fail answer at once; only the first call counts", async () => {
    await using rt = disposable(createIsolateRuntime);
    const error = failed(await invokeWith(rt, counting(`(event, context, callback) => { setTimeout(tick, 200); callback(new RangeError("no")); callback(null, 1); }`)));
    assert.deepEqual([error.error.errorType, error.error.errorMessage], ["RangeError", "no"]);
    assert.equal(ok(await invokeWith(rt, counting(`(event, context) => { setTimeout(tick, 200); context.succeed("s"); context.fail(new Error("ignored")); }`))), "s");
    assert.equal(ok(await invokeWith(rt, counting(`(event, context) => { context.done(null, "d"); }`))), "d");
    // fail() without an error fails with the string "handled" (src/CallbackContext.js).
    const handled = failed(await invokeWith(rt, counting(`(event, context) => { context.fail(); }`)));
    assert.deepEqual([handled.error.errorType, handled.error.errorMessage], ["string", "handled"]);
  });

  test("an async handler whose promise never settles fails with Runtime.NodeJsExit once the loop is empty; the runtime stays", async () => {
    await using rt = disposable(createIsolateRuntime);
    const fn = testFunction(esmBundle(`const handler = async (event) => { if (event.hang) await new Promise(() => {}); return "alive"; };`));
    const outcome = failed(await invokeWith(rt, fn, { hang: true }));
    assert.equal(outcome.error.errorType, "Runtime.NodeJsExit");
    assert.match(outcome.error.errorMessage, /^The Lambda runtime client detected an unexpected Node\.js exit code\. This is most commonly caused by a Promise that was never settled\./);
    const again = await invokeWith(rt, fn);
    assert.equal(ok(again), "alive");
    assert.equal(again.cold, false);
  });

  test("a sync handler returning a never-settling promise answers null once the loop is empty", async () => {
    await using rt = disposable(createIsolateRuntime);
    assert.equal(ok(await invokeWith(rt, testFunction(esmBundle(`const handler = () => new Promise(() => {});`)))), null);
  });
});

describe("nodejs24.x: the RIC rewrite awaits the handler", () => {
  const node24 = { runtime: "nodejs24.x" } as const;

  test("a sync handler's return value is the result, and pending timers do not delay it", async () => {
    await using rt = disposable(createIsolateRuntime);
    const fn = counting(`(event) => { setTimeout(tick, 200); return 42; }`, node24);
    assert.equal(ok(await invokeWith(rt, fn)), 42);
    assert.equal(ok(await invokeWith(rt, fn, { read: true })), 0);
  });

  test("context has no callbackWaitsForEmptyEventLoop, done, succeed or fail", async () => {
    await using rt = disposable(createIsolateRuntime);
    const fn = testFunction(esmBundle(`const handler = async (event, context) => ["callbackWaitsForEmptyEventLoop", "done", "succeed", "fail"].filter((k) => k in context);`), node24);
    assert.deepEqual(ok(await invokeWith(rt, fn)), []);
  });

  test("a callback-style handler fails with the RIC's CALLBACK_ERROR_NODEJS24_ABOVE", async () => {
    await using rt = disposable(createIsolateRuntime);
    const fn = testFunction(esmBundle(`const handler = (event, context, callback) => callback(null, 1);`), node24);
    const outcome = failed(await invokeWith(rt, fn));
    assert.equal(outcome.error.errorType, "Runtime.CallbackHandlerDeprecated");
    assert.equal(
      outcome.error.errorMessage,
      "ERROR: AWS Lambda has removed support for callback-based function handlers starting with Node.js 24. You need to modify this function to use a supported handler signature to use Node.js 24 or later. For more information see https://docs.aws.amazon.com/lambda/latest/dg/nodejs-handler.html.",
    );
  });
});

describe("context.invokedFunctionArn", () => {
  test("carries the qualifier the invoke named, and is unqualified otherwise (same warm isolate)", async () => {
    await using rt = disposable(createIsolateRuntime);
    const fn = testFunction(esmBundle(`const handler = async (event, context) => context.invokedFunctionArn;`));
    assert.equal(ok(await rt.invoke({ requestId: "q", fn, event: "{}", invokedFunctionArn: `${fn.arn}:$LATEST` })), `${fn.arn}:$LATEST`);
    const unqualified = await rt.invoke({ requestId: "u", fn, event: "{}" });
    assert.equal(ok(unqualified), fn.arn);
    assert.equal(unqualified.cold, false);
  });
});
