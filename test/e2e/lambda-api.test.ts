/**
 * The spine, end to end through the official AWS SDK: deploy from a zip, invoke three ways, tail
 * logs, update code and configuration, list with pagination, delete. Every test creates the
 * functions it uses, so each runs alone and in any order; only the stack is shared.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand,
  ListFunctionsCommand, ResourceConflictException, ResourceNotFoundException, UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand, PreconditionFailedException, type CreateFunctionCommandInput,
} from "@aws-sdk/client-lambda";
import { eventually, randomName } from "@fnmesh/test-harness";
import { watchLogs } from "./support/logs.ts";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const dec = new TextDecoder();
const json = (payload: Uint8Array | undefined) => JSON.parse(dec.decode(payload));
const payloadOf = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const fnName = (prefix: string) => randomName(prefix).replace(/_/g, "-");
const ACCOUNT = "000000000000";
const REGION = "us-east-1";

const ESM_WITH_DEP = zipOf({
  "index.mjs": `import { shout } from "shouty";
let calls = 0;
export const handler = async (event, context) => {
  calls++;
  console.log("handling", event.name);
  return { greeting: shout("hello " + event.name), calls, requestId: context.awsRequestId,
    fn: context.functionName, env: process.env.GREETING ?? null };
};`,
  "node_modules/shouty/package.json": JSON.stringify({ name: "shouty", main: "lib/main.js" }),
  "node_modules/shouty/lib/main.js": "exports.shout = (s) => s.toUpperCase() + '!';",
});

/** Lambda: "The Revision Id provided does not match the latest Revision Id…" (412; quoted in aws/aws-sdk#377). */
const STALE_REVISION = (err: unknown) => {
  assert.ok(err instanceof PreconditionFailedException, `got ${(err as Error).name}`);
  assert.equal(err.$metadata.httpStatusCode, 412);
  assert.match(err.message, /^The Revision Id provided does not match the latest Revision Id/);
  return true;
};

let stack: Stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.[Symbol.asyncDispose](); });

type CreateExtra = Partial<Omit<CreateFunctionCommandInput, "FunctionName" | "Code">>;

/** Creates a function with a fresh name; returns the name and CreateFunction's answer. */
async function create(zip: Uint8Array, extra: CreateExtra = {}, prefix = "fn") {
  const name = fnName(prefix);
  const created = await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Role: `arn:aws:iam::${ACCOUNT}:role/test`,
    Handler: "index.handler", Code: { ZipFile: zip }, ...extra,
  }));
  return { name, created };
}

const invoke = (FunctionName: string, event: unknown = {}) =>
  stack.lambda.send(new InvokeCommand({ FunctionName, Payload: payloadOf(event) }));

describe("deploy and invoke", () => {
  test("CreateFunction from a zip with node_modules returns Lambda's configuration; the same name again is a conflict", async () => {
    const { name, created } = await create(ESM_WITH_DEP, {}, "hello");
    assert.equal(created.FunctionName, name);
    assert.equal(created.FunctionArn, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`);
    assert.equal(created.Runtime, "nodejs22.x");
    assert.equal(created.Handler, "index.handler");
    assert.equal(created.State, "Active");
    assert.equal(created.Version, "$LATEST");
    assert.equal(created.CodeSize, ESM_WITH_DEP.length);
    assert.match(created.CodeSha256 ?? "", /^[A-Za-z0-9+/]{43}=$/);
    assert.match(created.RevisionId ?? "", /^[0-9a-f-]{36}$/);
    await assert.rejects(stack.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs22.x",
      Role: `arn:aws:iam::${ACCOUNT}:role/test`, Handler: "index.handler", Code: { ZipFile: ESM_WITH_DEP } })), ResourceConflictException);
  });

  test("GetFunction, GetFunctionConfiguration and Invoke find it by name, partial ARN and full ARN; $LATEST only", async () => {
    const { name, created } = await create(ESM_WITH_DEP, {}, "lookup");
    // Lambda's API reference, FunctionName "Name formats": name, partial ARN 123456789012:function:my-function,
    // function ARN arn:aws:lambda:us-west-2:123456789012:function:my-function.
    const forms = [name, `${ACCOUNT}:function:${name}`, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`];
    assert.equal(forms[2], created.FunctionArn);
    for (const form of forms) {
      const fn = await stack.lambda.send(new GetFunctionCommand({ FunctionName: form }));
      assert.equal(fn.Configuration?.FunctionName, name, form);
      assert.equal(fn.Configuration?.FunctionArn, created.FunctionArn, form);
      assert.equal(fn.Configuration?.MemorySize, 128);
      assert.equal(fn.Configuration?.Timeout, 3);
      const cfg = await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: form }));
      assert.equal(cfg.RevisionId, created.RevisionId, form);
      const out = await invoke(form, { name: "arn" });
      assert.equal(out.FunctionError, undefined, form);
      assert.equal(json(out.Payload).fn, name, form);
    }
    // README: `$LATEST` only.
    const latest = await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: "$LATEST" }));
    assert.equal(latest.Version, "$LATEST");
    await assert.rejects(stack.lambda.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "7" })), ResourceNotFoundException);
  });

  test("GetFunction's Code.Location downloads the exact zip without credentials, and only untampered", async () => {
    const { name } = await create(ESM_WITH_DEP, {}, "code");
    const fn = await stack.lambda.send(new GetFunctionCommand({ FunctionName: name }));
    const location = fn.Code?.Location ?? "";
    const res = await fetch(location);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), Buffer.from(ESM_WITH_DEP));
    const forged = location.replace(/signature=([0-9a-f])/, (_m, c: string) => `signature=${c === "0" ? "1" : "0"}`);
    assert.notEqual(forged, location);
    assert.equal((await fetch(forged)).status, 403);
  });

  test("RequestResponse returns the handler's result; module state survives warm invokes", async () => {
    const { name } = await create(ESM_WITH_DEP, {}, "rr");
    const first = await invoke(name, { name: "ada" });
    assert.equal(first.StatusCode, 200);
    assert.equal(first.FunctionError, undefined);
    assert.equal(first.ExecutedVersion, "$LATEST");
    const body = json(first.Payload);
    assert.equal(body.greeting, "HELLO ADA!");
    assert.equal(body.fn, name);
    assert.equal(body.calls, 1);
    assert.match(body.requestId, /^[0-9a-f-]{36}$/);
    const second = json((await invoke(name, { name: "bob" })).Payload);
    assert.equal(second.calls, 2, "same warm isolate keeps module state");
    assert.notEqual(second.requestId, body.requestId);
  });

  test("Tail: LogResult is exactly the last 4096 bytes of a 12 KB execution log, ending with the REPORT line", async () => {
    // 60 lines of 200 characters: the log is about three times the tail.
    const { name } = await create(zipOf({ "index.mjs": `export const handler = async () => {
  for (let i = 0; i < 60; i++) console.log("line-" + String(i).padStart(2, "0") + " " + "x".repeat(192));
  return "done";
};` }), {}, "tail");
    using logs = await watchLogs(stack.nc, name);
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, LogType: "Tail" }));
    const requestId = out.$metadata.requestId ?? "";
    assert.equal(json(out.Payload), "done");
    await eventually(() => logs.reports(requestId) === 1, { name: "REPORT line published", timeoutMs: 30_000 });

    // The execution log: every line of this invocation as published, newline-terminated.
    const lines = logs.linesOf(requestId);
    assert.equal(lines[0], `START RequestId: ${requestId} Version: $LATEST`);
    assert.equal(lines.filter((l) => /\tINFO\tline-\d\d x{192}$/.test(l)).length, 60);
    const full = Buffer.from(lines.map((l) => `${l}\n`).join(""), "utf8");
    assert.ok(full.length > 3 * 4096, `log is ${full.length} bytes`);

    // AWS Lambda API reference, Invoke: LogResult is "The last 4 KB of the execution log, which is base64-encoded."
    const tail = Buffer.from(out.LogResult ?? "", "base64");
    assert.equal(tail.length, 4096);
    assert.deepEqual(tail, full.subarray(full.length - 4096));
    const text = tail.toString("utf8");
    assert.match(text, new RegExp(`\\nEND RequestId: ${requestId}\\nREPORT RequestId: ${requestId}\\tDuration: \\d+\\.\\d\\d ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB[^\\n]*\\n$`));
    assert.match(text, /\tINFO\tline-59 x{192}\n/);
    assert.doesNotMatch(text, /line-00 |START RequestId/);

    const none = await invoke(name);
    assert.equal(none.LogResult, undefined);
  });

  test("Event answers 202 without a payload, then runs; its log lines appear on the logs subject", async () => {
    const { name } = await create(ESM_WITH_DEP, {}, "event");
    using logs = await watchLogs(stack.nc, name);
    const marker = randomName("evt");
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: payloadOf({ name: marker }) }));
    assert.equal(out.StatusCode, 202);
    assert.equal(out.Payload?.length ?? 0, 0);
    const requestId = out.$metadata.requestId ?? "";
    await eventually(() => logs.reports(requestId) === 1, { name: "async invocation ran", timeoutMs: 30_000 });
    assert.ok(logs.linesOf(requestId).some((l) => l.endsWith(`\tINFO\thandling ${marker}`)));
  });

  test("DryRun validates and answers 204 without running", async () => {
    const { name } = await create(ESM_WITH_DEP, {}, "dry");
    using logs = await watchLogs(stack.nc, name);
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "DryRun" }));
    assert.equal(out.StatusCode, 204);
    await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: fnName("nosuch"), InvocationType: "DryRun" })), ResourceNotFoundException);
    // A run after the dry run is the function's first: the dry run started nothing.
    const first = await invoke(name, { name: "after" });
    assert.equal(json(first.Payload).calls, 1);
    await eventually(() => logs.allReports() === 1, { name: "the real run's REPORT line", timeoutMs: 30_000 });
    assert.equal(logs.events.filter((e) => e.line.startsWith("START ")).length, 1);
  });

  test("UpdateFunctionCode serves the new code at once; a stale RevisionId is PreconditionFailedException and changes nothing", async () => {
    const { name, created } = await create(ESM_WITH_DEP, {}, "codeupdate");
    const updated = await stack.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, RevisionId: created.RevisionId,
      ZipFile: zipOf({ "index.js": "exports.handler = async (e) => ({ version: 2, echo: e });" }) }));
    assert.notEqual(updated.CodeSha256, created.CodeSha256);
    assert.notEqual(updated.RevisionId, created.RevisionId);
    assert.deepEqual(json((await invoke(name, { a: 1 })).Payload), { version: 2, echo: { a: 1 } });

    await assert.rejects(stack.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, RevisionId: created.RevisionId,
      ZipFile: zipOf({ "index.js": "exports.handler = async () => ({ version: 3 });" }) })), STALE_REVISION);
    const after = await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    assert.equal(after.RevisionId, updated.RevisionId);
    assert.equal(after.CodeSha256, updated.CodeSha256);
    assert.deepEqual(json((await invoke(name, { a: 2 })).Payload), { version: 2, echo: { a: 2 } });
  });

  test("UpdateFunctionConfiguration: env vars reach process.env, a new handler is re-bundled, stale RevisionId is refused", async () => {
    const { name } = await create(zipOf({
      "index.js": "exports.handler = async () => ({ env: process.env.GREETING ?? null, which: 'index' });",
      "lib/other.mjs": "export const run = async () => ({ env: process.env.GREETING, which: 'other' });",
    }), {}, "cfg");
    const cfg = await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name,
      Environment: { Variables: { GREETING: "bonjour" } }, Timeout: 5, MemorySize: 256 }));
    assert.equal(cfg.Environment?.Variables?.GREETING, "bonjour");
    assert.equal(cfg.Timeout, 5);
    assert.equal(cfg.MemorySize, 256);
    assert.deepEqual(json((await invoke(name)).Payload), { env: "bonjour", which: "index" });
    await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Handler: "lib/other.run" }));
    assert.deepEqual(json((await invoke(name)).Payload), { env: "bonjour", which: "other" });
    await assert.rejects(stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: "x",
      RevisionId: cfg.RevisionId })), STALE_REVISION);
    const now = await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    assert.equal(now.Description, "");
  });

  test("UpdateFunctionConfiguration of Runtime and Description shows in GetFunctionConfiguration and reaches the function", async () => {
    // Lambda sets AWS_EXECUTION_ENV to the runtime identifier prefixed with AWS_Lambda_
    // (Lambda Developer Guide, "Defined runtime environment variables").
    const { name, created } = await create(zipOf({ "index.mjs": "export const handler = async () => process.env.AWS_EXECUTION_ENV;" }),
      { Runtime: "nodejs20.x", Description: "first" }, "runtime");
    assert.equal(created.Runtime, "nodejs20.x");
    assert.equal(created.Description, "first");
    assert.equal(json((await invoke(name)).Payload), "AWS_Lambda_nodejs20.x");

    const updated = await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, RevisionId: created.RevisionId,
      Runtime: "nodejs24.x", Description: "moved to Node.js 24" }));
    assert.equal(updated.Runtime, "nodejs24.x");
    assert.equal(updated.Description, "moved to Node.js 24");
    const cfg = await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    assert.equal(cfg.Runtime, "nodejs24.x");
    assert.equal(cfg.Description, "moved to Node.js 24");
    assert.equal(cfg.RevisionId, updated.RevisionId);
    assert.equal(json((await invoke(name)).Payload), "AWS_Lambda_nodejs24.x");
  });

  test("DeleteFunction removes it; invoking it then is ResourceNotFoundException", async () => {
    const { name } = await create(ESM_WITH_DEP, {}, "delete");
    await stack.lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: name })), (err: unknown) => {
      assert.ok(err instanceof ResourceNotFoundException);
      assert.equal(err.$metadata.httpStatusCode, 404);
      assert.equal(err.message, `Function not found: arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`);
      return true;
    });
    await assert.rejects(stack.lambda.send(new DeleteFunctionCommand({ FunctionName: name })), ResourceNotFoundException);
  });
});

describe("runtimes", () => {
  for (const runtime of ["nodejs20.x", "nodejs22.x", "nodejs24.x"] as const) {
    test(`CreateFunction with Runtime ${runtime}, then Invoke runs it on that runtime`, async () => {
      const { name, created } = await create(zipOf({ "index.mjs":
        "export const handler = async (e, context) => ({ runtime: process.env.AWS_EXECUTION_ENV, n: e.n + 1, fn: context.functionName });" }),
      { Runtime: runtime }, runtime.replace(".", "_"));
      assert.equal(created.Runtime, runtime);
      assert.equal((await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).Runtime, runtime);
      const out = await invoke(name, { n: 41 });
      assert.equal(out.StatusCode, 200);
      assert.equal(out.FunctionError, undefined);
      // AWS_EXECUTION_ENV: "AWS_Lambda_" + runtime (Lambda Developer Guide, "Defined runtime environment variables").
      assert.deepEqual(json(out.Payload), { runtime: `AWS_Lambda_${runtime}`, n: 42, fn: name });
    });
  }
});

describe("handler forms", () => {
  test("CJS exports, callback style on nodejs20.x, nested module path and export path", async () => {
    const cjs = await create(zipOf({ "src/app.js": "module.exports = { handlers: { main: async (e) => ({ cjs: true, n: e.n * 2 }) } };" }),
      { Handler: "src/app.handlers.main" }, "cjs");
    assert.deepEqual(json((await invoke(cjs.name, { n: 21 })).Payload), { cjs: true, n: 42 });

    const cb = await create(zipOf({ "index.js": "exports.handler = (e, ctx, callback) => { setTimeout(() => callback(null, { via: 'callback', left: ctx.getRemainingTimeInMillis() > 0 }), 10); };" }),
      { Runtime: "nodejs20.x" }, "cb");
    assert.deepEqual(json((await invoke(cb.name)).Payload), { via: "callback", left: true });
  });

  test("a handler file missing from the zip fails at invoke like Lambda (Runtime.ImportModuleError)", async () => {
    const { name, created } = await create(zipOf({ "index.js": "exports.handler = async () => 1;" }), { Handler: "nothere.handler" }, "missing");
    assert.equal(created.State, "Active");
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name }));
    assert.equal(out.FunctionError, "Unhandled");
    assert.equal(json(out.Payload).errorType, "Runtime.ImportModuleError");
  });
});

describe("ListFunctions", () => {
  test("pages with Marker and MaxItems over every function exactly once", async () => {
    const prefix = fnName("list");
    const names = [0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`);
    for (const n of names) {
      await stack.lambda.send(new CreateFunctionCommand({ FunctionName: n, Runtime: "nodejs22.x", Role: `arn:aws:iam::${ACCOUNT}:role/test`,
        Handler: "index.handler", Code: { ZipFile: zipOf({ "index.js": "exports.handler = async () => 1;" }) } }));
    }
    const seen: string[] = [];
    let marker: string | undefined;
    let pages = 0;
    do {
      const page = await stack.lambda.send(new ListFunctionsCommand({ MaxItems: 2, ...(marker ? { Marker: marker } : {}) }));
      assert.ok((page.Functions?.length ?? 0) <= 2);
      seen.push(...(page.Functions ?? []).map((f) => f.FunctionName ?? ""));
      marker = page.NextMarker;
      pages++;
    } while (marker);
    for (const n of names) assert.equal(seen.filter((s) => s === n).length, 1, `${n} listed once`);
    assert.equal(new Set(seen).size, seen.length, "no function on two pages");
    assert.ok(pages >= 3);
  });
});
