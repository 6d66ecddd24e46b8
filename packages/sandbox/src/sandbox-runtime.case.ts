/**
 * The shared suite every `SandboxRuntime` implementation passes (with sandbox-runtime-failures.case.ts):
 * Lambda semantics and warm reuse. An implementation's test file calls both with its factory.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { describe, test } from "node:test";
import { EgressError, EgressErrorCode } from "./egress/types.ts";
import type { EgressFetcher } from "./egress/types.ts";
import type { InvocationOutcome, IsolateRuntimeOptions, LogLine, SandboxFunction, SandboxRuntime } from "./types.ts";

export type RuntimeFactory = (options?: IsolateRuntimeOptions) => SandboxRuntime;

/** A bundle exporting `userModule = { handler }` with `body` defining `handler`. */
export function esmBundle(body: string): string {
  return `${body}\nconst userModule = { handler };\nexport { userModule };\n`;
}

export function testFunction(code: string, overrides: Partial<SandboxFunction> = {}): SandboxFunction {
  const id = randomUUID();
  return {
    key: `fn-${id}:r1`,
    name: `fn-${id}`,
    version: "$LATEST",
    arn: `arn:aws:lambda:local:000000000000:function:fn-${id}`,
    runtime: "nodejs22.x",
    memoryMb: 64,
    timeoutMs: 2000,
    env: {},
    codeId: `code-${id}`,
    exportPath: ["handler"],
    handlerName: "index.handler",
    loadCode: async () => code,
    ...overrides,
  };
}

export function ok(outcome: InvocationOutcome): unknown {
  assert.equal(outcome.status, "ok", outcome.status === "function_error" ? JSON.stringify(outcome.error) : "");
  return JSON.parse((outcome as { result: string }).result);
}

export function failed(outcome: InvocationOutcome): Extract<InvocationOutcome, { status: "function_error" }> {
  assert.equal(outcome.status, "function_error", outcome.status === "ok" ? `unexpected result ${outcome.result}` : "");
  return outcome as Extract<InvocationOutcome, { status: "function_error" }>;
}

/** A runtime that `await using` closes. */
export function disposable(create: RuntimeFactory, options?: IsolateRuntimeOptions): SandboxRuntime & AsyncDisposable {
  const rt = create(options);
  return Object.assign(rt, { [Symbol.asyncDispose]: () => rt.close() });
}

export function invokeWith(
  rt: SandboxRuntime,
  fn: SandboxFunction,
  event: unknown = {},
  extra: { clientContext?: string; onLog?: (line: LogLine) => void } = {},
): Promise<InvocationOutcome> {
  return rt.invoke({ requestId: randomUUID(), fn, event: JSON.stringify(event), ...extra });
}

/**
 * An EgressFetcher that holds every fetch until `open()` (then answers "done"), or until the
 * call's signal aborts; `arrived(n)` resolves once n fetches have reached it.
 */
function gatedFetcher(): { fetcher: EgressFetcher; arrived(n: number): Promise<void>; open(): void } {
  const opened = Promise.withResolvers<void>();
  const waiting: { n: number; resolve: () => void }[] = [];
  let count = 0;
  return {
    fetcher: {
      async fetch(request, options) {
        count++;
        for (const w of waiting) if (count >= w.n) w.resolve();
        const aborted = new Promise<never>((_resolve, reject) => {
          options.signal.addEventListener("abort", () => reject(new EgressError(EgressErrorCode.Aborted, "egress_aborted: aborted")), { once: true });
        });
        await Promise.race([opened.promise, aborted]);
        return { url: request.url, status: 200, statusText: "OK", headers: [], redirected: false, body: new TextEncoder().encode("done") };
      },
    },
    arrived(n) {
      if (count >= n) return Promise.resolve();
      const { promise, resolve } = Promise.withResolvers<void>();
      waiting.push({ n, resolve });
      return promise;
    },
    open: () => opened.resolve(),
  };
}

/** Handler forms, context and environment, warm reuse, logs. */
export function describeSandboxRuntime(name: string, create: RuntimeFactory): void {
  const runtime = (options?: IsolateRuntimeOptions) => disposable(create, options);
  const invoke = invokeWith;

  describe(`${name}: handler forms`, () => {
    test("async ESM handler", async () => {
      await using rt = runtime();
      const fn = testFunction(esmBundle(`const handler = async (event) => ({ hello: event.name });`));
      const outcome = await invoke(rt, fn, { name: "world" });
      assert.deepEqual(ok(outcome), { hello: "world" });
      assert.equal(outcome.cold, true);
      assert.equal(typeof outcome.initDurationMs, "number");
      assert.ok(outcome.durationMs >= 0);
      assert.ok(outcome.maxMemoryUsedMb >= 1);
    });

    test("CommonJS-shaped bundle: handler on userModule.default", async () => {
      await using rt = runtime();
      const code = `const module = { exports: {} };\nmodule.exports.handler = async () => "from cjs";\nconst userModule = { default: module.exports };\nexport { userModule };\n`;
      assert.equal(ok(await invoke(rt, testFunction(code))), "from cjs");
    });

    test("TypeScript-compiled CommonJS default export: handler index.default", async () => {
      await using rt = runtime();
      // esbuild's __toESM for `exports.default = fn`: default is module.exports, its props copied beside it.
      const code = `const exportsObj = { default: async () => "ts default" };\nconst userModule = { default: exportsObj, ...exportsObj };\nexport { userModule };\n`;
      const fn = testFunction(code, { exportPath: ["default"], handlerName: "index.default" });
      assert.equal(ok(await invoke(rt, fn)), "ts default");
    });

    test("nested export path", async () => {
      await using rt = runtime();
      const code = `const userModule = { api: { v1: { handle: () => "nested" } } };\nexport { userModule };\n`;
      const fn = testFunction(code, { exportPath: ["api", "v1", "handle"], handlerName: "index.api.v1.handle", runtime: "nodejs24.x" });
      assert.equal(ok(await invoke(rt, fn)), "nested");
    });

    // nodejs24.x awaits the handler's value; nodejs20.x/22.x ignore what a sync handler returns and
    // answer null once the event loop is empty (the RIC 3.x; more in lambda-handlers.test.ts).
    test("sync handler returning a value: the result on nodejs24.x, null on nodejs22.x", async () => {
      await using rt = runtime();
      const code = esmBundle(`const handler = (event) => event.n * 2;`);
      assert.equal(ok(await invoke(rt, testFunction(code, { runtime: "nodejs24.x" }), { n: 21 })), 42);
      assert.equal(ok(await invoke(rt, testFunction(code, { runtime: "nodejs22.x" }), { n: 21 })), null);
    });

    test("undefined result is null", async () => {
      await using rt = runtime();
      const outcome = await invoke(rt, testFunction(esmBundle(`const handler = async () => {};`)));
      assert.equal(outcome.status === "ok" && outcome.result, "null");
    });

    test("callback success and error on nodejs22.x", async () => {
      await using rt = runtime();
      const good = testFunction(esmBundle(`const handler = (event, context, callback) => { setTimeout(() => callback(null, { via: "callback" }), 5); };`));
      assert.deepEqual(ok(await invoke(rt, good)), { via: "callback" });
      const bad = testFunction(esmBundle(`const handler = (event, context, callback) => callback(new TypeError("bad input"));`));
      const outcome = failed(await invoke(rt, bad));
      assert.equal(outcome.error.errorType, "TypeError");
      assert.equal(outcome.error.errorMessage, "bad input");
    });

    test("callback is not offered on nodejs24.x", async () => {
      await using rt = runtime();
      const twoArgs = testFunction(esmBundle(`const handler = function (event, context) { return arguments.length; };`), { runtime: "nodejs24.x" });
      assert.equal(ok(await invoke(rt, twoArgs)), 2);
      const callbackStyle = testFunction(esmBundle(`const handler = (event, context, callback) => callback(null, 1);`), { runtime: "nodejs24.x" });
      const outcome = failed(await invoke(rt, callbackStyle));
      assert.equal(outcome.error.errorType, "Runtime.CallbackHandlerDeprecated");
    });

    test("top-level await in the bundle", async () => {
      await using rt = runtime();
      const code = esmBundle(`const config = await new Promise((r) => setTimeout(() => r("loaded"), 10));\nconst handler = async () => config;`);
      assert.equal(ok(await invoke(rt, testFunction(code))), "loaded");
    });
  });

  describe(`${name}: context and environment`, () => {
    test("context fields and a decreasing remaining time", async () => {
      await using rt = runtime();
      const fn = testFunction(
        esmBundle(`const handler = async (event, context) => {
          const [now, before] = [Date.now(), context.getRemainingTimeInMillis()];
          await new Promise((r) => setTimeout(r, 50));
          const after = context.getRemainingTimeInMillis();
          const { getRemainingTimeInMillis, done, succeed, fail, ...fields } = context;
          context.callbackWaitsForEmptyEventLoop = false;
          return { now, before, after, fields, hasIdentity: "identity" in context };
        };`),
        { timeoutMs: 3000, memoryMb: 96, version: "7" },
      );
      const requestId = randomUUID();
      const invoked = Date.now();
      const outcome = await rt.invoke({ requestId, fn, event: "{}", clientContext: JSON.stringify({ client: { app_title: "t" } }) });
      const value = ok(outcome) as { now: number; before: number; after: number; fields: Record<string, unknown> };
      // The deadline the function counts down to is its 3 s timeout from a moment between the
      // invoke call and the handler's first line, however long that took.
      const deadline = value.now + value.before;
      assert.ok(value.before > 0 && deadline >= invoked + 3000 && deadline <= value.now + 3000, `remaining ${value.before} ms at ${value.now}; invoked at ${invoked}`);
      assert.ok(value.after <= value.before - 40, `after ${value.after} before ${value.before}`);
      assert.equal(value.fields.awsRequestId, requestId);
      assert.equal(value.fields.functionName, fn.name);
      assert.equal(value.fields.functionVersion, "7");
      assert.equal(value.fields.invokedFunctionArn, fn.arn);
      assert.equal(value.fields.memoryLimitInMB, "96");
      assert.equal(value.fields.logGroupName, `/aws/lambda/${fn.name}`);
      assert.match(String(value.fields.logStreamName), /^\d{4}\/\d{2}\/\d{2}\/\[7\][0-9a-f]{32}$/);
      assert.equal(value.fields.callbackWaitsForEmptyEventLoop, true);
      assert.deepEqual(value.fields.clientContext, { client: { app_title: "t" } });
    });

    test("process.env and process", async () => {
      await using rt = runtime();
      const fn = testFunction(
        esmBundle(`const handler = async () => ({ env: process.env, platform: process.platform, version: process.version,
          tick: await new Promise((r) => process.nextTick(r, "ticked")), global: global === globalThis, exit: typeof process.exit,
          tz: new Date(0).toString().includes("GMT+0000") });`),
        { env: { STAGE: "test" }, memoryMb: 80 },
      );
      const value = ok(await invoke(rt, fn)) as { env: Record<string, string>; [k: string]: unknown };
      assert.equal(value.env.STAGE, "test");
      assert.equal(value.env.AWS_LAMBDA_FUNCTION_NAME, fn.name);
      assert.equal(value.env.AWS_LAMBDA_FUNCTION_VERSION, "$LATEST");
      assert.equal(value.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "80");
      assert.equal(value.env.AWS_REGION, "local");
      assert.equal(value.env.TZ, ":UTC");
      assert.equal(value.platform, "linux");
      assert.match(String(value.version), /^v\d+\./);
      assert.equal(value.tick, "ticked");
      assert.equal(value.global, true);
      assert.equal(value.exit, "undefined");
      assert.equal(value.tz, true);
    });

    test("AWS_REGION and AWS_DEFAULT_REGION are the region of the function's ARN; env is per function", async () => {
      await using rt = runtime();
      const code = esmBundle(`const handler = async () => [process.env.AWS_REGION, process.env.AWS_DEFAULT_REGION, process.env.SECRET ?? null];`);
      const inEurope = testFunction(code, { env: { SECRET: "a" } });
      inEurope.arn = inEurope.arn.replace(":local:", ":eu-west-1:");
      assert.deepEqual(ok(await invoke(rt, inEurope)), ["eu-west-1", "eu-west-1", "a"]);
      assert.deepEqual(ok(await invoke(rt, testFunction(code))), ["local", "local", null]);
    });

    test("timers, setImmediate and queueMicrotask work inside a handler", async () => {
      await using rt = runtime();
      const fn = testFunction(
        esmBundle(`const handler = async () => {
          const order = [];
          await new Promise((resolve) => {
            setTimeout(() => { order.push("timeout"); resolve(); }, 20);
            setImmediate(() => order.push("immediate"));
            queueMicrotask(() => order.push("microtask"));
            const i = setInterval(() => { order.push("interval"); clearInterval(i); }, 1);
            const cancelled = setTimeout(() => order.push("cancelled"), 5);
            clearTimeout(cancelled);
          });
          return order;
        };`),
      );
      assert.deepEqual(ok(await invoke(rt, fn)), ["microtask", "immediate", "interval", "timeout"]);
    });
  });

  describe(`${name}: warm reuse`, () => {
    test("module state survives warm invocations", async () => {
      await using rt = runtime();
      const fn = testFunction(esmBundle(`let count = 0;\nconst handler = async () => ++count;`));
      const first = await invoke(rt, fn);
      const second = await invoke(rt, fn);
      assert.equal(ok(first), 1);
      assert.equal(ok(second), 2);
      assert.equal(first.cold, true);
      assert.equal(second.cold, false);
      assert.equal(second.initDurationMs, undefined);
      // Spare isolates come and go on a timer: counted apart (spare-isolates.test.ts).
      assert.deepEqual({ ...rt.stats(), heapBytes: 0, spareIsolates: 0 }, { isolates: 1, busy: 0, idle: 1, functions: 1, heapBytes: 0, waiting: 0, coldStarts: 1, warmStarts: 1, compiledCodes: 1, codeCompiles: 1, spareIsolates: 0 });
      assert.ok(rt.stats().heapBytes > 0);
    });

    test("a new key for the same function cold-starts with fresh state and retires the old isolates", async () => {
      await using rt = runtime();
      const fn = testFunction(esmBundle(`let count = 0;\nconst handler = async () => ++count;`));
      ok(await invoke(rt, fn));
      assert.equal(ok(await invoke(rt, fn)), 2);
      const next = { ...fn, key: `${fn.name}:r2` };
      const outcome = await invoke(rt, next);
      assert.equal(ok(outcome), 1);
      assert.equal(outcome.cold, true);
      assert.equal(rt.stats().isolates, 1);
      // The old key never serves again, even if asked.
      assert.equal((await invoke(rt, fn)).cold, true);
    });

    test("two concurrent invocations of one key use two isolates", async () => {
      // Each handler waits on a fetch the test holds until both are waiting.
      const gate = gatedFetcher();
      await using rt = runtime({ egress: { fetcher: gate.fetcher } });
      const fn = testFunction(esmBundle(`const handler = async () => (await fetch("https://gate.test/")).text();`), { timeoutMs: 60_000 });
      const both = Promise.all([invoke(rt, fn), invoke(rt, fn)]);
      await Promise.race([gate.arrived(2), both.then((outcomes) => assert.fail(`finished before both were running: ${JSON.stringify(outcomes)}`))]);
      assert.deepEqual([rt.stats().busy, rt.stats().isolates], [2, 2]);
      gate.open();
      const [a, b] = await both;
      assert.equal(ok(a), "done");
      assert.equal(ok(b), "done");
      const stats = rt.stats();
      assert.equal(stats.isolates, 2);
      assert.equal(stats.idle, 2);
      assert.equal(stats.coldStarts, 2);
      assert.equal((await invoke(rt, fn)).cold, false);
    });

    test("idle isolates beyond the memory budget are evicted, least recently used first", async () => {
      await using rt = runtime({ memoryBudgetMb: 1 });
      const a = testFunction(esmBundle(`const handler = async () => "a";`));
      const b = testFunction(esmBundle(`const handler = async () => "b";`));
      ok(await invoke(rt, a));
      ok(await invoke(rt, b));
      // Each isolate holds more than 1 MB of heap: only the last released one may stay.
      assert.ok(rt.stats().isolates <= 1);
      assert.equal((await invoke(rt, a)).cold, true);
    });

    test("idle isolates expire after idleTtlMs", async (t) => {
      // The pool's idle timers run on node:test's mock clock, which only the test moves.
      t.mock.timers.enable({ apis: ["setTimeout"] });
      await using rt = runtime({ idleTtlMs: 30 });
      const fn = testFunction(esmBundle(`const handler = async () => 1;`));
      ok(await invoke(rt, fn));
      assert.equal(rt.stats().idle, 1);
      t.mock.timers.tick(29);
      assert.equal(rt.stats().idle, 1, "still warm 1 ms before idleTtlMs");
      t.mock.timers.tick(1);
      assert.equal(rt.stats().isolates, 0);
      assert.equal((await invoke(rt, fn)).cold, true);
    });

    test("an invocation's timers end with it", async () => {
      await using rt = runtime();
      const fn = testFunction(
        esmBundle(`let ticks = 0;\nconst handler = async (event) => {
          if (event.start) { setInterval(() => { ticks++; console.log("tick"); }, 1); await new Promise((r) => setTimeout(r, 20)); return ticks > 0; }
          await new Promise((r) => setTimeout(r, 30));
          return ticks;
        };`),
      );
      assert.equal(ok(await invoke(rt, fn, { start: true })), true);
      const before = ok(await invoke(rt, fn, {})) as number;
      const outcome = await invoke(rt, fn, {});
      assert.equal(ok(outcome), before);
      assert.deepEqual(outcome.logs, []);
    });
  });

  describe(`${name}: logs`, () => {
    test("console levels, in order, streamed as they happen", async () => {
      await using rt = runtime();
      const fn = testFunction(
        esmBundle(`const handler = async () => {
          console.log("log %s=%d", "n", 42);
          console.info({ a: 1, nested: { b: [1, 2] } });
          console.warn("warn", 1, true, null, undefined);
          console.error(new Error("boom"));
          console.debug("debug");
          console.trace("trace");
          return "ok";
        };`),
      );
      const streamed: LogLine[] = [];
      const outcome = await invoke(rt, fn, {}, { onLog: (line) => streamed.push(line) });
      ok(outcome);
      assert.deepEqual(
        outcome.logs.map((l) => l.level),
        ["INFO", "INFO", "WARN", "ERROR", "DEBUG", "TRACE"],
      );
      const messages = outcome.logs.map((l) => l.message);
      assert.equal(messages[0], "log n=42");
      assert.equal(messages[1], "{ a: 1, nested: { b: [ 1, 2 ] } }");
      assert.equal(messages[2], "warn 1 true null undefined");
      assert.match(messages[3] ?? "", /^Error: boom\n\s+at /);
      assert.deepEqual(streamed, outcome.logs);
      assert.equal(outcome.logsTruncated, false);
    });

    test("thousands of lines all arrive, in order, before the outcome", async () => {
      await using rt = runtime();
      const fn = testFunction(esmBundle(`const handler = async () => { for (let i = 0; i < 5000; i++) console.log(i); return "done"; };`));
      const outcome = await invoke(rt, fn);
      assert.equal(ok(outcome), "done");
      assert.equal(outcome.logs.length, 5000);
      assert.ok(outcome.logs.every((line, i) => line.message === String(i)));
    });

    test("logs past maxLogBytes are dropped behind one marker line", async () => {
      await using rt = runtime({ maxLogBytes: 1000 });
      const fn = testFunction(esmBundle(`const handler = async () => { for (let i = 0; i < 100; i++) console.log("x".repeat(99)); return "done"; };`));
      const outcome = await invoke(rt, fn);
      assert.equal(ok(outcome), "done");
      assert.equal(outcome.logsTruncated, true);
      assert.equal(outcome.logs.length, 11);
      assert.equal(outcome.logs.at(-1)?.message, "[fnmesh] log output truncated after 990 bytes");
    });
  });

}
