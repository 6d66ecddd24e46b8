/**
 * The spine, end to end through the official AWS SDK: deploy from a zip, invoke three ways, tail
 * logs, update code and configuration, list with pagination, delete.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, GetFunctionConfigurationCommand, InvokeCommand,
  ListFunctionsCommand, ResourceConflictException, ResourceNotFoundException, UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand, PreconditionFailedException,
} from "@aws-sdk/client-lambda";
import { eventually, randomName } from "@fnmesh/test-harness";
import { decodeJson, LogEvent, subjects } from "@fnmesh/protocol";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const dec = new TextDecoder();
const json = (payload: Uint8Array | undefined) => JSON.parse(dec.decode(payload));
const payloadOf = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

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

let stack: Stack;
before(async () => { stack = await startStack(); });
after(async () => { await stack?.[Symbol.asyncDispose](); });

async function create(name: string, zip: Uint8Array, extra: Partial<{ Handler: string; Runtime: string; Timeout: number; MemorySize: number; Environment: { Variables: Record<string, string> } }> = {}) {
  return stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: (extra.Runtime ?? "nodejs22.x") as "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test",
    Handler: extra.Handler ?? "index.handler", Code: { ZipFile: zip }, ...extra,
  } as ConstructorParameters<typeof CreateFunctionCommand>[0]));
}

describe("deploy and invoke", () => {
  const name = randomName("hello").replace(/_/g, "-");

  test("CreateFunction from a zip with node_modules returns Lambda's configuration", async () => {
    const created = await create(name, ESM_WITH_DEP);
    assert.equal(created.FunctionName, name);
    assert.equal(created.FunctionArn, `arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    assert.equal(created.Runtime, "nodejs22.x");
    assert.equal(created.Handler, "index.handler");
    assert.equal(created.State, "Active");
    assert.equal(created.Version, "$LATEST");
    assert.equal(created.CodeSize, ESM_WITH_DEP.length);
    assert.match(created.CodeSha256 ?? "", /^[A-Za-z0-9+/]{43}=$/);
    assert.match(created.RevisionId ?? "", /^[0-9a-f-]{36}$/);
    await assert.rejects(create(name, ESM_WITH_DEP), ResourceConflictException);
  });

  test("GetFunction and GetFunctionConfiguration describe it, by name and by ARN", async () => {
    const fn = await stack.lambda.send(new GetFunctionCommand({ FunctionName: name }));
    assert.equal(fn.Configuration?.FunctionName, name);
    assert.equal(fn.Configuration?.MemorySize, 128);
    assert.equal(fn.Configuration?.Timeout, 3);
    const byArn = await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn.Configuration?.FunctionArn }));
    assert.equal(byArn.RevisionId, fn.Configuration?.RevisionId);
    await assert.rejects(stack.lambda.send(new GetFunctionCommand({ FunctionName: name, Qualifier: "7" })), ResourceNotFoundException);
  });

  test("GetFunction's Code.Location downloads the exact zip without credentials, and only untampered", async () => {
    const fn = await stack.lambda.send(new GetFunctionCommand({ FunctionName: name }));
    const location = fn.Code?.Location ?? "";
    const res = await fetch(location);
    assert.equal(res.status, 200);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), Buffer.from(ESM_WITH_DEP));
    const forged = location.replace(/signature=([0-9a-f])/, (_m, c: string) => `signature=${c === "0" ? "1" : "0"}`);
    assert.equal((await fetch(forged)).status, 403);
  });

  test("RequestResponse returns the handler's result; module state survives warm invokes", async () => {
    const first = await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: payloadOf({ name: "ada" }) }));
    assert.equal(first.StatusCode, 200);
    assert.equal(first.FunctionError, undefined);
    assert.equal(first.ExecutedVersion, "$LATEST");
    const body = json(first.Payload);
    assert.equal(body.greeting, "HELLO ADA!");
    assert.equal(body.fn, name);
    assert.match(body.requestId, /^[0-9a-f-]{36}$/);
    const second = json((await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: payloadOf({ name: "bob" }) }))).Payload);
    assert.equal(second.calls, body.calls + 1, "same warm isolate keeps module state");
    assert.notEqual(second.requestId, body.requestId);
  });

  test("Tail returns the last 4 KB of the Lambda-framed log", async () => {
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, LogType: "Tail", Payload: payloadOf({ name: "tail" }) }));
    const log = Buffer.from(out.LogResult ?? "", "base64").toString("utf8");
    const requestId = json(out.Payload).requestId;
    assert.match(log, new RegExp(`^START RequestId: ${requestId} Version: \\$LATEST$`, "m"));
    assert.match(log, new RegExp(`^\\S+Z\\t${requestId}\\tINFO\\thandling tail$`, "m"));
    assert.match(log, new RegExp(`^END RequestId: ${requestId}$`, "m"));
    assert.match(log, new RegExp(`^REPORT RequestId: ${requestId}\\tDuration: \\d+\\.\\d\\d ms\\tBilled Duration: \\d+ ms\\tMemory Size: 128 MB\\tMax Memory Used: \\d+ MB`, "m"));
    const none = await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: payloadOf({ name: "x" }) }));
    assert.equal(none.LogResult, undefined);
  });

  test("Event is queued durably (202) and runs; its log lines appear on the logs subject", async () => {
    const marker = randomName("evt");
    const lines: string[] = [];
    const sub = stack.nc.subscribe(subjects.logs(name), { callback: (_e, m) => { lines.push(decodeJson(LogEvent, m.data).line); } });
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: payloadOf({ name: marker }) }));
    assert.equal(out.StatusCode, 202);
    assert.equal(out.Payload?.length ?? 0, 0);
    await eventually(() => lines.some((l) => l.endsWith(`handling ${marker}`)) && lines.some((l) => l.startsWith("REPORT")), { name: "async invocation ran", timeoutMs: 15_000 });
    sub.unsubscribe();
  });

  test("DryRun validates and answers 204 without running", async () => {
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "DryRun" }));
    assert.equal(out.StatusCode, 204);
    await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: "no-such-fn", InvocationType: "DryRun" })), ResourceNotFoundException);
  });

  test("UpdateFunctionCode serves the new code at once", async () => {
    const before = await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const updated = await stack.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name,
      ZipFile: zipOf({ "index.js": "exports.handler = async (e) => ({ version: 2, echo: e });" }) }));
    assert.notEqual(updated.CodeSha256, before.CodeSha256);
    assert.notEqual(updated.RevisionId, before.RevisionId);
    const out = json((await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: payloadOf({ a: 1 }) }))).Payload);
    assert.deepEqual(out, { version: 2, echo: { a: 1 } });
  });

  test("UpdateFunctionConfiguration: env vars reach process.env, a new handler is re-bundled, stale RevisionId is refused", async () => {
    await stack.lambda.send(new UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: zipOf({
      "index.js": "exports.handler = async () => ({ env: process.env.GREETING ?? null, which: 'index' });",
      "lib/other.mjs": "export const run = async () => ({ env: process.env.GREETING, which: 'other' });",
    }) }));
    const cfg = await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name,
      Environment: { Variables: { GREETING: "bonjour" } }, Timeout: 5, MemorySize: 256 }));
    assert.equal(cfg.Environment?.Variables?.GREETING, "bonjour");
    assert.equal(cfg.Timeout, 5);
    assert.equal(cfg.MemorySize, 256);
    assert.deepEqual(json((await stack.lambda.send(new InvokeCommand({ FunctionName: name }))).Payload), { env: "bonjour", which: "index" });
    await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Handler: "lib/other.run" }));
    assert.deepEqual(json((await stack.lambda.send(new InvokeCommand({ FunctionName: name }))).Payload), { env: "bonjour", which: "other" });
    await assert.rejects(stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Description: "x",
      RevisionId: cfg.RevisionId })), PreconditionFailedException);
  });

  test("DeleteFunction removes it; invoking it then is ResourceNotFoundException", async () => {
    await stack.lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: name })), (err: unknown) => {
      assert.ok(err instanceof ResourceNotFoundException);
      assert.equal(err.$metadata.httpStatusCode, 404);
      assert.match(err.message, /Function not found: arn:aws:lambda:us-east-1:000000000000:function:/);
      return true;
    });
    await assert.rejects(stack.lambda.send(new DeleteFunctionCommand({ FunctionName: name })), ResourceNotFoundException);
  });
});

describe("handler forms", () => {
  test("CJS exports, callback style on nodejs20.x, nested module path and export path", async () => {
    const cjs = randomName("cjs").replace(/_/g, "-");
    await create(cjs, zipOf({ "src/app.js": "module.exports = { handlers: { main: async (e) => ({ cjs: true, n: e.n * 2 }) } };" }),
      { Handler: "src/app.handlers.main" });
    assert.deepEqual(json((await stack.lambda.send(new InvokeCommand({ FunctionName: cjs, Payload: payloadOf({ n: 21 }) }))).Payload), { cjs: true, n: 42 });

    const cb = randomName("cb").replace(/_/g, "-");
    await create(cb, zipOf({ "index.js": "exports.handler = (e, ctx, callback) => { setTimeout(() => callback(null, { via: 'callback', left: ctx.getRemainingTimeInMillis() > 0 }), 10); };" }),
      { Runtime: "nodejs20.x" });
    assert.deepEqual(json((await stack.lambda.send(new InvokeCommand({ FunctionName: cb }))).Payload), { via: "callback", left: true });
  });

  test("a handler file missing from the zip fails at invoke like Lambda (Runtime.ImportModuleError)", async () => {
    const missing = randomName("missing").replace(/_/g, "-");
    const created = await create(missing, zipOf({ "index.js": "exports.handler = async () => 1;" }), { Handler: "nothere.handler" });
    assert.equal(created.State, "Active");
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: missing }));
    assert.equal(out.FunctionError, "Unhandled");
    assert.equal(json(out.Payload).errorType, "Runtime.ImportModuleError");
  });
});

describe("ListFunctions", () => {
  test("pages with Marker and MaxItems over every function exactly once", async () => {
    const prefix = randomName("list").replace(/_/g, "-");
    const names = [0, 1, 2, 3, 4].map((i) => `${prefix}-${i}`);
    for (const n of names) await create(n, zipOf({ "index.js": "exports.handler = async () => 1;" }));
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
    assert.ok(pages >= 3);
  });
});
