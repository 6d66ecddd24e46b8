/**
 * Lambda compatibility, part two: what a function sees of its environment (context, env vars,
 * client context), warm and cold starts, and the log it produces (the Tail log of an invoke).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { assertTimedOut, deployFunction, functionError, isCold, okResult, startExecutorHarness, type ExecutorHarness, type Invoked } from "./support.ts";

let h: ExecutorHarness;
before(async () => {
  h = await startExecutorHarness();
});
after(async () => {
  await h?.[Symbol.asyncDispose]();
});

const ISO = String.raw`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z`;

function logLines(inv: Invoked): string[] {
  return inv.log.replace(/\n$/, "").split("\n");
}

/** Lambda's REPORT line; `init` says whether "Init Duration" must be present or absent. */
function reportPattern(inv: Invoked, memoryMb: number, init: boolean): RegExp {
  const initPart = init ? String.raw`Init Duration: \d+\.\d\d ms\t` : "";
  return new RegExp(String.raw`^REPORT RequestId: ${inv.result.requestId}\tDuration: \d+\.\d\d ms\tBilled Duration: \d+ ms\tMemory Size: ${memoryMb} MB\tMax Memory Used: \d+ MB\t${initPart}$`);
}

describe("Lambda compatibility: context", () => {
  test("context fields: awsRequestId is the executor's request id; name, version, ARN, memory (a string), log group and stream", async () => {
    const fn = await deployFunction(h, `
export const handler = async (event, context) => {
  const { getRemainingTimeInMillis, ...fields } = context;
  return { ...fields, identity: context.identity === undefined ? "undefined" : context.identity, remainingType: typeof getRemainingTimeInMillis };
};`, { memoryMb: 256 });
    const inv = await h.invoke(fn);
    const ctx = okResult(inv) as Record<string, unknown>;
    assert.equal(ctx.awsRequestId, inv.result.requestId);
    assert.equal(ctx.functionName, fn.name);
    assert.equal(ctx.functionVersion, "$LATEST");
    assert.equal(ctx.invokedFunctionArn, fn.arn);
    assert.equal(ctx.memoryLimitInMB, "256");
    assert.equal(ctx.logGroupName, `/aws/lambda/${fn.name}`);
    assert.match(String(ctx.logStreamName), /^\d{4}\/\d\d\/\d\d\/\[\$LATEST\][0-9a-f]{32}$/);
    assert.equal(ctx.callbackWaitsForEmptyEventLoop, true);
    assert.equal(ctx.identity, "undefined");
    assert.equal(ctx.remainingType, "function");
  });

  test("the log stream is one per execution environment: kept while warm, new after a cold start", async () => {
    const code = await h.deploy(`export const handler = async (event, context) => context.logStreamName;`);
    const v1 = h.spec(code);
    const first = okResult(await h.invoke(v1));
    assert.equal(okResult(await h.invoke(v1)), first);
    const v2 = h.spec(code, { name: v1.name });
    assert.notEqual(okResult(await h.invoke(v2)), first);
  });

  test("getRemainingTimeInMillis() starts at most at the timeout and decreases across an awaited timer", async () => {
    const fn = await deployFunction(h, `
export const handler = async (event, context) => {
  const before = context.getRemainingTimeInMillis();
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { before, after: context.getRemainingTimeInMillis() };
};`, { timeoutSec: 2 });
    const { before, after } = okResult(await h.invoke(fn)) as { before: number; after: number };
    // Bounds from the configured timeout and the handler's own 100 ms wait, not from speed. The slack:
    // the host arms the timer on its event loop's clock, cached since the loop's current turn began.
    assert.ok(before <= 2000, `before ${before}`);
    assert.ok(after >= 0 && after <= before - 95, `after ${after}, before ${before}`);
  });

  test("clientContext is parsed from the base64 client context; absent, it is undefined", async () => {
    const fn = await deployFunction(h, `export const handler = async (event, context) => ({ clientContext: context.clientContext ?? "absent" });`);
    const clientContext = { client: { installation_id: "inst-1", app_title: "app" }, custom: { tenant: "t1" }, env: { platform: "ios" } };
    const withContext = await h.invoke(fn, {}, { clientContext: Buffer.from(JSON.stringify(clientContext)).toString("base64") });
    assert.deepEqual(okResult(withContext), { clientContext });
    assert.deepEqual(okResult(await h.invoke(fn, {})), { clientContext: "absent" });
  });
});

describe("Lambda compatibility: environment variables", () => {
  test("process.env has the function's variables and Lambda's own", async () => {
    const fn = await deployFunction(h, `
export const handler = async (event, context) => ({
  env: process.env,
  timezoneOffset: new Date().getTimezoneOffset(),
  streamMatches: process.env.AWS_LAMBDA_LOG_STREAM_NAME === context.logStreamName,
});`, { memoryMb: 512, env: { STAGE: "prod", TABLE_NAME: "orders" } });
    const { env, timezoneOffset, streamMatches } = okResult(await h.invoke(fn)) as { env: Record<string, string>; timezoneOffset: number; streamMatches: boolean };
    assert.equal(env.STAGE, "prod");
    assert.equal(env.TABLE_NAME, "orders");
    assert.equal(env.AWS_LAMBDA_FUNCTION_NAME, fn.name);
    assert.equal(env.AWS_LAMBDA_FUNCTION_VERSION, "$LATEST");
    assert.equal(env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, "512");
    assert.equal(env.AWS_LAMBDA_LOG_GROUP_NAME, `/aws/lambda/${fn.name}`);
    assert.equal(env.AWS_REGION, "us-east-1", "the region of the function's ARN");
    assert.equal(env.AWS_DEFAULT_REGION, "us-east-1");
    assert.equal(env.AWS_EXECUTION_ENV, "AWS_Lambda_nodejs22.x");
    assert.equal(env._HANDLER, "index.handler");
    assert.equal(env.LAMBDA_TASK_ROOT, "/var/task");
    assert.equal(env.LAMBDA_RUNTIME_DIR, "/var/runtime");
    assert.equal(env.AWS_LAMBDA_INITIALIZATION_TYPE, "on-demand");
    assert.equal(env.LANG, "en_US.UTF-8");
    assert.equal(env.NODE_PATH, "/opt/nodejs/node22/node_modules:/opt/nodejs/node_modules:/var/runtime/node_modules:/var/runtime:/var/task");
    assert.equal(env.PATH, "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin");
    assert.equal(env.TZ, ":UTC");
    assert.equal(timezoneOffset, 0);
    assert.equal(streamMatches, true);
  });

  // CreateFunction refuses AWS_REGION among a function's variables (reserved); one that reaches
  // the executor anyway does not override the configured region.
  test("AWS_REGION and AWS_DEFAULT_REGION are the region in the function's ARN, whatever its variables say", async () => {
    const fn = await deployFunction(h, `export const handler = async () => [process.env.AWS_REGION, process.env.AWS_DEFAULT_REGION];`, { env: { AWS_REGION: "eu-west-1" } });
    assert.deepEqual(okResult(await h.invoke({ ...fn, arn: fn.arn.replace(":us-east-1:", ":ap-south-2:") })), ["ap-south-2", "ap-south-2"]);
  });
});

describe("Lambda compatibility: warm and cold starts", () => {
  test("module state survives warm invokes; initDurationMs and Init Duration only on the cold one", async () => {
    const fn = await deployFunction(h, `
let coldStart = true;
let count = 0;
export const handler = async () => {
  const result = { cold: coldStart, count: ++count };
  coldStart = false;
  return result;
};`);
    const first = await h.invoke(fn);
    assert.deepEqual(okResult(first), { cold: true, count: 1 });
    assert.equal(isCold(first), true);
    assert.ok(first.result.status === "ok" && typeof first.result.initDurationMs === "number" && first.result.initDurationMs > 0);
    assert.match(logLines(first).at(-1) ?? "", reportPattern(first, 128, true));

    const second = await h.invoke(fn);
    assert.deepEqual(okResult(second), { cold: false, count: 2 });
    assert.equal(isCold(second), false);
    assert.ok(second.result.status === "ok" && !("initDurationMs" in second.result), JSON.stringify(second.result));
    assert.match(logLines(second).at(-1) ?? "", reportPattern(second, 128, false));
    assert.deepEqual(okResult(await h.invoke(fn)), { cold: false, count: 3 });
  });

  test("a new revisionId is a cold start with fresh state", async () => {
    const code = await h.deploy(`let count = 0;\nexport const handler = async () => ++count;`);
    const v1 = h.spec(code);
    assert.equal(okResult(await h.invoke(v1)), 1);
    assert.equal(okResult(await h.invoke(v1)), 2);
    const v2 = h.spec(code, { name: v1.name });
    const fresh = await h.invoke(v2);
    assert.equal(isCold(fresh), true);
    assert.equal(okResult(fresh), 1);
  });
});

describe("Lambda compatibility: the log", () => {
  test("START, console lines with level, END, REPORT", async () => {
    const fn = await deployFunction(h, `
export const handler = async () => {
  console.log("hello %s, %d items", "world", 3);
  console.info("an info", { a: 1 });
  console.warn("a warning");
  console.error("an error");
  console.debug("a debug line");
  console.trace("a trace line");
  return "logged";
};`);
    const inv = await h.invoke(fn, {}, { logType: "Tail" });
    assert.equal(okResult(inv), "logged");
    const id = inv.result.requestId;
    const lines = logLines(inv);
    assert.equal(lines[0], `START RequestId: ${id} Version: $LATEST`);
    const expected: [string, string][] = [
      ["INFO", "hello world, 3 items"], ["INFO", "an info { a: 1 }"], ["WARN", "a warning"], ["ERROR", "an error"],
      ["DEBUG", "a debug line"], ["TRACE", "a trace line"],
    ];
    assert.equal(lines.length, 3 + expected.length, lines.join("\n"));
    expected.forEach(([level, message], i) => {
      assert.match(lines[i + 1] ?? "", new RegExp(`^${ISO}\\t${id}\\t${level}\\t${message.replace(/[{}]/g, "\\$&")}$`));
    });
    assert.equal(lines.at(-2), `END RequestId: ${id}`);
    assert.match(lines.at(-1) ?? "", reportPattern(inv, 128, true));
  });

  test("a function error adds Lambda's ERROR 'Invoke Error' line before END", async () => {
    const fn = await deployFunction(h, `export const handler = async () => { throw new TypeError("boom"); };`);
    const inv = await h.invoke(fn);
    const error = functionError(inv);
    const lines = logLines(inv);
    const id = inv.result.requestId;
    const invokeError = lines.at(-3) ?? "";
    assert.match(invokeError, new RegExp(`^${ISO}\\t${id}\\tERROR\\tInvoke Error \\t\\{`));
    const logged = JSON.parse(invokeError.slice(invokeError.indexOf("\t{") + 1)) as Record<string, unknown>;
    assert.equal(logged.errorType, "TypeError");
    assert.equal(logged.errorMessage, error.errorMessage);
    assert.equal(lines.at(-2), `END RequestId: ${id}`);
  });

  test("the 'Invoke Error' log line carries the stack as Lambda's runtime logs it (a \"stack\" array)", async () => {
    const fn = await deployFunction(h, `export const handler = async () => { throw new TypeError("boom"); };`);
    const inv = await h.invoke(fn);
    const line = logLines(inv).at(-3) ?? "";
    const logged = JSON.parse(line.slice(line.indexOf("\t{") + 1)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(logged).sort(), ["errorMessage", "errorType", "stack"]);
    assert.equal((logged.stack as string[])[0], "TypeError: boom");
  });

  test("'Invoke Error' logs an error's own properties and nested errors; a thrown string is logged as an Error", async () => {
    const loggedOf = (inv: Awaited<ReturnType<typeof h.invoke>>) => {
      const line = logLines(inv).at(-3) ?? "";
      assert.match(line, /\tERROR\tInvoke Error \t/);
      return JSON.parse(line.slice(line.indexOf("Invoke Error \t") + "Invoke Error \t".length)) as Record<string, unknown>;
    };
    const fn = await deployFunction(h, `
export const handler = async (event) => {
  if (event.kind === "string") throw "plain string";
  const error = new Error("db down", { cause: new Error("hidden: cause is not enumerable") });
  error.code = "ECONNREFUSED";
  error.statusCode = 503;
  error.inner = new RangeError("nested");
  throw error;
};`);
    const withProps = await h.invoke(fn, { kind: "props" });
    assert.deepEqual(Object.keys(functionError(withProps)).sort(), ["errorMessage", "errorType", "trace"], "the response keeps Lambda's response shape");
    const logged = loggedOf(withProps);
    assert.deepEqual(Object.keys(logged), ["errorType", "errorMessage", "code", "statusCode", "inner", "stack"]);
    assert.equal(logged.code, "ECONNREFUSED");
    assert.equal(logged.statusCode, 503);
    const inner = logged.inner as Record<string, unknown>;
    assert.deepEqual([inner.errorType, inner.errorMessage, (inner.stack as string[])[0]], ["RangeError", "nested", "RangeError: nested"]);
    assert.equal((logged.stack as string[])[0], "Error: db down");
    assert.ok((logged.stack as string[]).every((frame) => !frame.includes("fnmesh:prelude")), "prelude frames are not the user's");

    const thrownString = await h.invoke(fn, { kind: "string" });
    assert.deepEqual(functionError(thrownString), { errorType: "string", errorMessage: "plain string", trace: [] });
    assert.deepEqual(loggedOf(thrownString), { errorType: "Error", errorMessage: "plain string", stack: ["Error: plain string"] });
  });

  test("an exception thrown in a timer logs 'Uncaught Exception', a forgotten rejection 'Unhandled Promise Rejection', as Lambda's runtime does", async () => {
    const fn = await deployFunction(h, `
export const handler = async (event) => {
  if (event.kind === "timer") setTimeout(() => { throw new RangeError("in timer"); }, 1);
  else Promise.reject(new Error("forgotten"));
  await new Promise((resolve) => setTimeout(resolve, 200));
  return "late";
};`);
    const labelled = async (kind: string) => {
      const inv = await h.invoke(fn, { kind });
      const line = logLines(inv).find((l) => l.includes("\tERROR\t")) ?? "";
      return { error: functionError(inv), line };
    };
    const timer = await labelled("timer");
    assert.deepEqual([timer.error.errorType, timer.error.errorMessage], ["RangeError", "in timer"]);
    assert.match(timer.line, /\tERROR\tUncaught Exception \t\{"errorType":"RangeError","errorMessage":"in timer","stack":\["RangeError: in timer",/);
    const rejection = await labelled("rejection");
    assert.deepEqual([rejection.error.errorType, rejection.error.errorMessage], ["Runtime.UnhandledPromiseRejection", "Error: forgotten"]);
    assert.match(rejection.line, /\tERROR\tUnhandled Promise Rejection \t\{"errorType":"Runtime.UnhandledPromiseRejection","errorMessage":"Error: forgotten","stack":\["Error: forgotten",/);
  });

  test("a timeout logs Lambda's 'Task timed out' line, then END and REPORT", async () => {
    const fn = await deployFunction(h, `export const handler = async () => { console.log("waiting"); await new Promise(() => { setInterval(() => {}, 100); }); };`, { timeoutSec: 1 });
    const inv = await h.invoke(fn);
    assertTimedOut(inv, 1);
    const lines = logLines(inv);
    const id = inv.result.requestId;
    assert.equal(lines[0], `START RequestId: ${id} Version: $LATEST`);
    assert.match(lines[1] ?? "", new RegExp(`^${ISO}\\t${id}\\tINFO\\twaiting$`));
    assert.match(lines[2] ?? "", new RegExp(`^${ISO} ${id} Task timed out after 1\\.00 seconds$`));
    assert.equal(lines[3], `END RequestId: ${id}`);
    // The invocation ran until its configured 1 s timeout ended it: that bounds Duration from below
    // (less the 1 ms granularity of Node's timer clock); nothing bounds it from above but speed.
    const duration = Number(new RegExp(`^REPORT RequestId: ${id}\\tDuration: (\\d+\\.\\d\\d) ms\\t`).exec(lines[4] ?? "")?.[1]);
    assert.ok(duration >= 999, `${lines[4]}`);
  });

  test("logType None returns no log tail", async () => {
    const fn = await deployFunction(h, `export const handler = async () => { console.log("quiet"); return 1; };`);
    const inv = await h.invoke(fn, {}, { logType: "None" });
    assert.equal(okResult(inv), 1);
    assert.equal(inv.log, "");
    assert.ok(inv.result.status === "ok" && inv.result.logTail === undefined);
  });
});
