/**
 * Reserved concurrency and account settings through @aws-sdk/client-lambda: Put/Get/Delete
 * FunctionConcurrency, GetFunction's Concurrency, GetAccountSettings' arithmetic, the limit that
 * keeps a minimum unreserved, and the function's view in FUNCTIONS_BUCKET after every call.
 * Expected shapes and texts are what AWS answered in
 * localstack/localstack:tests/aws/services/lambda_/test_lambda_api.snapshot.json
 * (TestLambdaReservedConcurrency, TestLambdaAccountSettings, recorded against AWS).
 * The mesh runs with FNMESH_MAX_CONCURRENCY=50, so at least min(100, 50/10) = 5 stay unreserved.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateFunctionCommand, DeleteFunctionCommand, DeleteFunctionConcurrencyCommand, GetAccountSettingsCommand,
  GetFunctionCommand, GetFunctionConcurrencyCommand, PutFunctionConcurrencyCommand,
} from "@aws-sdk/client-lambda";
import { Kvm, type KV } from "@nats-io/kv";
import { FUNCTIONS_BUCKET, FunctionView, functionViewKeys } from "@fnmesh/protocol";
import { randomName } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const MAX = 50;
const MIN_UNRESERVED = 5;
const ZIP = zipOf({ "index.mjs": "export const handler = async (e) => e;" });
const fnName = (prefix: string) => randomName(prefix).replace(/_/g, "-");
const arnOf = (name: string, qualifier?: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}${qualifier ? `:${qualifier}` : ""}`;

let stack: Stack;
let views: KV;
before(async () => {
  stack = await startStack({ env: { FNMESH_MAX_CONCURRENCY: String(MAX) } });
  views = await new Kvm(stack.nc).open(FUNCTIONS_BUCKET);
});
after(async () => { await stack?.[Symbol.asyncDispose](); });

/** Functions a test created; deleted after it so reservations never leak into another test's arithmetic. */
async function withFunctions(count: number, body: (names: string[]) => Promise<void>): Promise<void> {
  const names: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const name = fnName("conc");
      await stack.lambda.send(new CreateFunctionCommand({
        FunctionName: name, Runtime: "nodejs22.x", Role: `arn:aws:iam::${ACCOUNT}:role/test`, Handler: "index.handler", Code: { ZipFile: ZIP },
      }));
      names.push(name);
    }
    await body(names);
  } finally {
    for (const name of names) await stack.lambda.send(new DeleteFunctionCommand({ FunctionName: name })).catch(() => undefined);
  }
}

const reserve = (FunctionName: string, ReservedConcurrentExecutions: number | undefined) =>
  stack.lambda.send(new PutFunctionConcurrencyCommand({ FunctionName, ReservedConcurrentExecutions }));
const reserved = async (FunctionName: string) =>
  (await stack.lambda.send(new GetFunctionConcurrencyCommand({ FunctionName }))).ReservedConcurrentExecutions;
const unreserve = (FunctionName: string) => stack.lambda.send(new DeleteFunctionConcurrencyCommand({ FunctionName }));
const settings = () => stack.lambda.send(new GetAccountSettingsCommand({}));

async function viewOf(name: string): Promise<FunctionView> {
  const entry = await views.get(functionViewKeys.latest(name));
  assert.equal(entry?.operation, "PUT", `a view for ${name}`);
  return FunctionView.parse(entry?.json());
}

type AwsError = Error & { $metadata?: { httpStatusCode?: number } };
async function rejectsWith(promise: Promise<unknown>, name: string, status: number, message: string): Promise<void> {
  await assert.rejects(promise, (err: AwsError) => {
    assert.equal(err.name, name, err.message);
    assert.equal(err.$metadata?.httpStatusCode, status);
    assert.equal(err.message, message);
    return true;
  });
}

const belowMinimum = `Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${MIN_UNRESERVED}].`;

describe("reserved concurrency", () => {
  test("Put 0, then 7: Get, GetFunction's Concurrency, the view and UnreservedConcurrentExecutions follow; Delete (204) returns it; RevisionId stays", async () => {
    await withFunctions(1, async ([name = ""]) => {
      const base = (await settings()).AccountLimit?.UnreservedConcurrentExecutions ?? -1;
      const revision = (await stack.lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.RevisionId;
      assert.equal(await reserved(name), undefined);
      assert.equal((await viewOf(name)).reservedConcurrency, undefined);

      for (const n of [0, 7]) {
        const out = await reserve(name, n);
        assert.equal(out.$metadata.httpStatusCode, 200);
        assert.equal(out.ReservedConcurrentExecutions, n);
        assert.equal(await reserved(name), n);
        const fn = await stack.lambda.send(new GetFunctionCommand({ FunctionName: name }));
        assert.deepEqual(fn.Concurrency, { ReservedConcurrentExecutions: n });
        assert.equal(fn.Configuration?.RevisionId, revision, "Lambda keeps RevisionId for reservations");
        const view = await viewOf(name);
        assert.equal(view.reservedConcurrency, n);
        assert.equal(view.revisionId, revision);
        assert.equal((await settings()).AccountLimit?.UnreservedConcurrentExecutions, base - n);
      }
      // By ARN too (unqualified).
      assert.equal(await reserved(arnOf(name)), 7);

      const deleted = await unreserve(name);
      assert.equal(deleted.$metadata.httpStatusCode, 204);
      assert.equal(await reserved(name), undefined);
      assert.equal((await stack.lambda.send(new GetFunctionCommand({ FunctionName: name }))).Concurrency, undefined);
      assert.equal((await viewOf(name)).reservedConcurrency, undefined);
      assert.equal((await settings()).AccountLimit?.UnreservedConcurrentExecutions, base);
    });
  });

  test("reservations may take all but the minimum unreserved; one more is refused with Lambda's text, replacing one's own counts once", async () => {
    await withFunctions(2, async ([a = "", b = ""]) => {
      const limit = (await settings()).AccountLimit;
      assert.equal(limit?.ConcurrentExecutions, MAX);
      const free = (limit?.UnreservedConcurrentExecutions ?? 0) - MIN_UNRESERVED;
      assert.ok(free >= 2, `free ${free}`);

      await reserve(a, free - 1);
      await reserve(b, 1);
      assert.equal((await settings()).AccountLimit?.UnreservedConcurrentExecutions, MIN_UNRESERVED);
      await rejectsWith(reserve(b, 2), "InvalidParameterValueException", 400, belowMinimum);
      await rejectsWith(reserve(a, free), "InvalidParameterValueException", 400, belowMinimum);
      // More than the whole account: the same refusal (the snapshot's account_limit_exceeded case).
      await rejectsWith(reserve(a, MAX + 1), "InvalidParameterValueException", 400, belowMinimum);
      assert.equal(await reserved(b), 1, "a refused Put leaves the reservation as it was");
      assert.equal((await viewOf(b)).reservedConcurrency, 1);
      // Its own reservation is replaced, not added to.
      assert.equal((await reserve(a, free - 1)).ReservedConcurrentExecutions, free - 1);
      await unreserve(b);
      assert.equal((await reserve(a, free)).ReservedConcurrentExecutions, free);
      assert.equal((await settings()).AccountLimit?.UnreservedConcurrentExecutions, MIN_UNRESERVED);
    });
  });

  test("validation: a negative or missing value is a ValidationException; a qualified name is refused; nothing changes", async () => {
    await withFunctions(1, async ([name = ""]) => {
      await rejectsWith(reserve(name, -1), "ValidationException", 400,
        "1 validation error detected: Value '-1' at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must have value greater than or equal to 0");
      await rejectsWith(reserve(name, undefined), "ValidationException", 400,
        "1 validation error detected: Value null at 'reservedConcurrentExecutions' failed to satisfy constraint: Member must not be null");
      const qualified = "This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.";
      await rejectsWith(reserve(arnOf(name, "$LATEST"), 1), "InvalidParameterValueException", 400, qualified);
      await rejectsWith(reserve(`${name}:live`, 1), "InvalidParameterValueException", 400, qualified);
      assert.equal(await reserved(name), undefined);
      assert.equal((await viewOf(name)).reservedConcurrency, undefined);
    });
  });

  test("404s name the function as Lambda does: Put with :$LATEST, Get and Delete unqualified", async () => {
    const missing = fnName("missing");
    await rejectsWith(reserve(missing, 1), "ResourceNotFoundException", 404, `Function not found: ${arnOf(missing, "$LATEST")}`);
    await rejectsWith(reserve(missing, 0), "ResourceNotFoundException", 404, `Function not found: ${arnOf(missing, "$LATEST")}`);
    await rejectsWith(reserved(missing), "ResourceNotFoundException", 404, `Function not found: ${arnOf(missing)}`);
    await rejectsWith(unreserve(missing), "ResourceNotFoundException", 404, `Function not found: ${arnOf(missing)}`);
  });

  test("DeleteFunction returns its reservation to the pool; the name created again has none", async () => {
    const base = (await settings()).AccountLimit?.UnreservedConcurrentExecutions ?? -1;
    let name = "";
    await withFunctions(1, async ([created = ""]) => {
      name = created;
      await reserve(name, 10);
      assert.equal((await settings()).AccountLimit?.UnreservedConcurrentExecutions, base - 10);
    });
    assert.equal((await settings()).AccountLimit?.UnreservedConcurrentExecutions, base);
    await stack.lambda.send(new CreateFunctionCommand({
      FunctionName: name, Runtime: "nodejs22.x", Role: `arn:aws:iam::${ACCOUNT}:role/test`, Handler: "index.handler", Code: { ZipFile: ZIP },
    }));
    try {
      assert.equal(await reserved(name), undefined);
      assert.equal((await viewOf(name)).reservedConcurrency, undefined);
    } finally {
      await stack.lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    }
  });
});

describe("GetAccountSettings", () => {
  test("AccountLimit: FNMESH_MAX_CONCURRENCY, what reservations leave of it, the deploy limits; AccountUsage counts functions and their zips", async () => {
    const before = await settings();
    assert.equal(before.$metadata.httpStatusCode, 200);
    assert.equal(before.AccountLimit?.ConcurrentExecutions, MAX);
    // The limits deploys enforce: Lambda's 50 MB zipped, 250 MB unzipped (its own AccountLimit values).
    assert.equal(before.AccountLimit?.CodeSizeZipped, 52_428_800);
    assert.equal(before.AccountLimit?.CodeSizeUnzipped, 262_144_000);
    assert.equal(before.AccountLimit?.TotalCodeSize, 80_530_636_800);
    await withFunctions(2, async ([a = "", b = ""]) => {
      const during = await settings();
      assert.equal(during.AccountUsage?.FunctionCount, (before.AccountUsage?.FunctionCount ?? 0) + 2);
      assert.equal(during.AccountUsage?.TotalCodeSize, (before.AccountUsage?.TotalCodeSize ?? 0) + 2 * ZIP.length);
      await reserve(a, 3);
      await reserve(b, 4);
      assert.equal((await settings()).AccountLimit?.UnreservedConcurrentExecutions, (before.AccountLimit?.UnreservedConcurrentExecutions ?? 0) - 7);
    });
    const afterwards = await settings();
    assert.deepEqual({ ...afterwards, $metadata: undefined }, { ...before, $metadata: undefined });
  });
});
