/**
 * Hostile but authenticated requests get typed AWS errors: ARNs of another region, account or
 * partition; invalid pagination markers; oversized header blocks; and a deleted function's code
 * link stops working. `/healthz` carries no internal error text.
 */
import { after, before, beforeEach, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateFunctionCommand, DeleteFunctionCommand, GetFunctionCommand, InvokeCommand, ListFunctionsCommand,
} from "@aws-sdk/client-lambda";
import { printLogsOnFailure, randomName } from "@fnmesh/test-harness";
import { startIngestStack, zipOf, type IngestStack, type RawResponse } from "./stack.ts";

let stack: IngestStack;
before(async () => { stack = await startIngestStack(); });
after(async () => { await stack?.[Symbol.asyncDispose](); });
// A top-level beforeEach gets each test's context ("after" tells it from a suite's).
beforeEach((t) => { if ("after" in t) printLogsOnFailure(t, { "ingest and executor": stack }); });

const fnName = (p: string) => randomName(p).replace(/_/g, "-");
const API = "/2015-03-31/functions";

async function create(name: string, source = "export const handler = async () => ({ ok: true });") {
  return stack.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/t",
    Handler: "index.handler", Code: { ZipFile: zipOf({ "index.mjs": source }) } }));
}

const awsError = (res: RawResponse) => {
  assert.equal(res.headers["content-type"], "application/json", res.body);
  const type = res.headers["x-amzn-errortype"];
  assert.equal(typeof type, "string", `x-amzn-ErrorType on ${res.status}: ${res.body}`);
  return { status: res.status, type, message: (JSON.parse(res.body) as { message: string }).message };
};

const sdkRejects = (p: Promise<unknown>, name: string, status: number, message?: string) =>
  assert.rejects(p, (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
    assert.equal(err.name, name, err.message);
    assert.equal(err.$metadata?.httpStatusCode, status);
    if (message !== undefined) assert.equal(err.message, message);
    return true;
  });

describe("ARNs outside this endpoint's region, account or partition", () => {
  test("another account's ARN is AccessDeniedException for GetFunction and Invoke, even when a local function has the name", async () => {
    const name = fnName("local");
    await create(name);
    const foreign = `arn:aws:lambda:us-east-1:999999999999:function:${name}`;
    // Lambda's wording for a caller without a resource-based policy on another account's function
    // (aws-samples/sample-serverless-mcp-servers#7).
    await sdkRejects(stack.lambda.send(new GetFunctionCommand({ FunctionName: foreign })), "AccessDeniedException", 403,
      `User: arn:aws:iam::000000000000:root is not authorized to perform: lambda:GetFunction on resource: ${foreign} because no resource-based policy allows the lambda:GetFunction action`);
    await sdkRejects(stack.lambda.send(new InvokeCommand({ FunctionName: foreign })), "AccessDeniedException", 403);
    await sdkRejects(stack.lambda.send(new InvokeCommand({ FunctionName: `999999999999:function:${name}` })), "AccessDeniedException", 403);
    // The local function is still reachable by its own ARN.
    const own = await stack.lambda.send(new GetFunctionCommand({ FunctionName: `arn:aws:lambda:us-east-1:000000000000:function:${name}` }));
    assert.equal(own.Configuration?.FunctionName, name);
  });

  test("another region's ARN is ResourceNotFoundException with Lambda's text", async () => {
    // aws/aws-cli#3954: "Functions from 'us-east-1' are not reachable in this region ('us-east-2')".
    await sdkRejects(stack.lambda.send(new GetFunctionCommand({ FunctionName: "arn:aws:lambda:eu-west-1:000000000000:function:x" })),
      "ResourceNotFoundException", 404, "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')");
    await sdkRejects(stack.lambda.send(new DeleteFunctionCommand({ FunctionName: "arn:aws:lambda:eu-west-1:000000000000:function:x" })),
      "ResourceNotFoundException", 404);
  });

  test("CreateFunction with another account's or partition's ARN is refused and creates nothing", async () => {
    const name = fnName("foreign");
    await sdkRejects(create(`arn:aws:lambda:us-east-1:999999999999:function:${name}`), "AccessDeniedException", 403);
    await sdkRejects(create(`arn:aws-cn:lambda:us-east-1:000000000000:function:${name}`), "AccessDeniedException", 403);
    await sdkRejects(stack.lambda.send(new GetFunctionCommand({ FunctionName: name })), "ResourceNotFoundException", 404);
  });
});

describe("ListFunctions parameters", () => {
  test("a Marker decoding to a NUL byte, invalid UTF-8 or a non-name is 400 InvalidParameterValueException", async () => {
    for (const marker of [Buffer.from("\0\uffff").toString("base64url"), Buffer.from([0xff, 0xfe]).toString("base64url"), Buffer.from("a b").toString("base64url"), "AAAA"]) {
      const res = await stack.raw({ method: "GET", path: `${API}?Marker=${encodeURIComponent(marker)}` }, {});
      assert.deepEqual({ status: awsError(res).status, type: awsError(res).type }, { status: 400, type: "InvalidParameterValueException" }, marker);
    }
  });

  test("MaxItems outside 1..10000 or not an integer is 400; markers from a real page still work", async () => {
    for (const max of ["0", "10001", "-1", "1.5", "1e3", " 5", "", "abc", "99999999999999999999"]) {
      const res = await stack.raw({ method: "GET", path: `${API}?MaxItems=${encodeURIComponent(max)}` }, {});
      assert.equal(awsError(res).type, "InvalidParameterValueException", JSON.stringify(max));
    }
    await create(fnName("page_a"));
    await create(fnName("page_b"));
    const first = await stack.lambda.send(new ListFunctionsCommand({ MaxItems: 1 }));
    assert.equal(first.Functions?.length, 1);
    assert.ok(first.NextMarker);
    const second = await stack.lambda.send(new ListFunctionsCommand({ MaxItems: 1, Marker: first.NextMarker }));
    assert.equal(second.Functions?.length, 1);
    assert.notEqual(second.Functions?.[0]?.FunctionName, first.Functions?.[0]?.FunctionName);
  });
});

describe("leaks", () => {
  test("a deleted function's code link stops working, though another function shares the zip", async () => {
    const source = `export const handler = async () => "shared ${randomName("zip")}";`;
    const a = fnName("code_a");
    const b = fnName("code_b");
    await create(a, source);
    await create(b, source);
    const link = (await stack.lambda.send(new GetFunctionCommand({ FunctionName: a }))).Code?.Location ?? "";
    const before = await fetch(link);
    assert.equal(before.status, 200);
    assert.equal(before.headers.get("content-type"), "application/zip");
    await stack.lambda.send(new DeleteFunctionCommand({ FunctionName: a }));
    const afterDelete = await fetch(link);
    assert.equal(afterDelete.status, 403);
    assert.equal(afterDelete.headers.get("x-amzn-errortype"), "AccessDeniedException");
    // b still has the same zip and its own link.
    const linkB = (await stack.lambda.send(new GetFunctionCommand({ FunctionName: b }))).Code?.Location ?? "";
    assert.equal((await fetch(linkB)).status, 200);
  });

  test("/healthz reports each check as a word, without error text", async () => {
    const res = await fetch(`${stack.endpoint}/healthz`);
    const body = await res.json() as { status: string; checks: Record<string, string> };
    // The test stack runs no scheduler or trigger: those are "not ready", and so is the whole.
    assert.equal(res.status, 503);
    assert.equal(body.status, "unavailable");
    assert.deepEqual(body.checks, { ingest: "ready", nats: "connected", postgres: "ok", executor: "ready", scheduler: "not ready", trigger: "not ready" });
  });
});

describe("oversized header blocks", () => {
  const big = "x".repeat(64 * 1024);

  test("unsigned: 431 with an AWS error body, not a reset", async () => {
    const res = await stack.raw({ method: "GET", path: API, headers: { "x-padding": big } });
    assert.deepEqual(awsError(res), { status: 431, type: "RequestHeaderSectionTooLarge", message: "Your request header section exceeds the maximum allowed size." });
  });

  test("signed, with a body on the way: the same 431", async () => {
    const body = JSON.stringify({ pad: "y".repeat(512 * 1024) });
    const res = await stack.raw({ method: "POST", path: API, headers: { "x-padding": big, "content-type": "application/json" }, body }, {});
    assert.equal(awsError(res).status, 431);
    assert.equal(awsError(res).type, "RequestHeaderSectionTooLarge");
  });
});
