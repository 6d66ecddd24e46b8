/**
 * Asynchronous invocation settings through @aws-sdk/client-lambda: Put/Update/Get/Delete/List
 * FunctionEventInvokeConfig, their errors, and the function's view in FUNCTIONS_BUCKET (what the
 * scheduler reads) after every call. Expected shapes and texts are what AWS answered in
 * localstack/localstack:tests/aws/services/lambda_/test_lambda_api.snapshot.json
 * (TestLambdaEventInvokeConfig, recorded against AWS): FunctionArn qualified with :$LATEST, members
 * left out absent, DestinationConfig always with OnSuccess and OnFailure, AWS's validation texts for
 * range and pattern violations (AWS's type ValidationException for both; fnmesh answers the ranges
 * as InvalidParameterValueException, see docs/lambda-differences.md), "The function doesn't exist." for Put/Update/List, "... doesn't
 * have an EventInvokeConfig" for Get/Delete.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import {
  CreateFunctionCommand, DeleteFunctionCommand, DeleteFunctionEventInvokeConfigCommand, GetFunctionConfigurationCommand,
  GetFunctionEventInvokeConfigCommand, ListFunctionEventInvokeConfigsCommand, PutFunctionEventInvokeConfigCommand,
  UpdateFunctionEventInvokeConfigCommand, type FunctionEventInvokeConfig,
} from "@aws-sdk/client-lambda";
import { Kvm, type KV } from "@nats-io/kv";
import { FUNCTIONS_BUCKET, FunctionView, functionViewKeys } from "@fnmesh/protocol";
import { startFunctionResolver } from "@fnmesh/registry-view";
import { createLogger } from "@fnmesh/telemetry";
import { eventually, randomName } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const ZIP = zipOf({ "index.mjs": "export const handler = async (e) => e;" });
const fnName = (prefix: string) => randomName(prefix).replace(/_/g, "-");
const arnOf = (name: string, qualifier?: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}${qualifier ? `:${qualifier}` : ""}`;
const natsArn = (subject: string) => `arn:fnmesh:nats:${REGION}:${ACCOUNT}:subject/${subject}`;
const jetstreamArn = (subject: string) => `arn:fnmesh:jetstream:${REGION}:${ACCOUNT}:subject/${subject}`;

let stack: Stack;
let views: KV;
before(async () => {
  stack = await startStack();
  views = await new Kvm(stack.nc).open(FUNCTIONS_BUCKET);
});
after(async () => { await stack?.[Symbol.asyncDispose](); });

async function create(prefix = "eic"): Promise<string> {
  const name = fnName(prefix);
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Role: `arn:aws:iam::${ACCOUNT}:role/test`, Handler: "index.handler", Code: { ZipFile: ZIP },
  }));
  return name;
}

/** The function's view as published: the settings executors and the scheduler resolve. */
async function viewOf(name: string): Promise<FunctionView> {
  const entry = await views.get(functionViewKeys.latest(name));
  assert.equal(entry?.operation, "PUT", `a view for ${name}`);
  return FunctionView.parse(entry?.json());
}

const revisionOf = async (name: string) =>
  (await stack.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }))).RevisionId;

/** The answer without the SDK's metadata, for comparing answers of different operations. */
function shape(out: FunctionEventInvokeConfig & { $metadata?: unknown }): FunctionEventInvokeConfig {
  const { $metadata: _, ...rest } = out;
  return rest;
}

type AwsError = Error & { $metadata?: { httpStatusCode?: number } };
/** Asserts Lambda's error type (the SDK's `name`), HTTP status and exact message. */
async function rejectsWith(promise: Promise<unknown>, name: string, status: number, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (err: AwsError) => {
    assert.equal(err.name, name, err.message);
    assert.equal(err.$metadata?.httpStatusCode, status);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

const put = (input: ConstructorParameters<typeof PutFunctionEventInvokeConfigCommand>[0]) =>
  stack.lambda.send(new PutFunctionEventInvokeConfigCommand(input));
const update = (input: ConstructorParameters<typeof UpdateFunctionEventInvokeConfigCommand>[0]) =>
  stack.lambda.send(new UpdateFunctionEventInvokeConfigCommand(input));
const get = (FunctionName: string, Qualifier?: string) =>
  stack.lambda.send(new GetFunctionEventInvokeConfigCommand({ FunctionName, ...(Qualifier ? { Qualifier } : {}) }));
const noConfig = (name: string, qualifier = "$LATEST") => `The function ${arnOf(name, qualifier)} doesn't have an EventInvokeConfig`;

describe("round trip", () => {
  test("Put answers the config for :$LATEST and publishes it in the view; Get and List answer the same; RevisionId stays", async () => {
    const name = await create();
    const target = await create("target");
    const revision = await revisionOf(name);
    const before = Date.now();
    const putOut = await put({
      FunctionName: name, MaximumRetryAttempts: 1, MaximumEventAgeInSeconds: 300,
      DestinationConfig: { OnSuccess: { Destination: arnOf(target) }, OnFailure: { Destination: natsArn("orders.failed") } },
    });
    assert.equal(putOut.$metadata.httpStatusCode, 200);
    assert.equal(putOut.FunctionArn, arnOf(name, "$LATEST"));
    assert.equal(putOut.MaximumRetryAttempts, 1);
    assert.equal(putOut.MaximumEventAgeInSeconds, 300);
    assert.deepEqual(putOut.DestinationConfig, { OnSuccess: { Destination: arnOf(target) }, OnFailure: { Destination: natsArn("orders.failed") } });
    // LastModified is epoch seconds on the wire; the SDK gives a Date. Seconds resolution: allow the second it started in.
    assert.ok(putOut.LastModified instanceof Date && putOut.LastModified.getTime() >= Math.floor(before / 1000) * 1000, String(putOut.LastModified));

    assert.deepEqual(shape(await get(name)), shape(putOut));
    assert.deepEqual(shape(await get(arnOf(name), "$LATEST")), shape(putOut), "by ARN with Qualifier $LATEST");
    const listed = await stack.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name }));
    assert.deepEqual(listed.FunctionEventInvokeConfigs, [shape(putOut)]);
    assert.equal(listed.NextMarker, undefined);

    const view = await viewOf(name);
    assert.deepEqual(view.eventInvokeConfig, { maximumRetryAttempts: 1, maximumEventAgeSec: 300, onSuccess: arnOf(target), onFailure: natsArn("orders.failed") });
    assert.equal(await revisionOf(name), revision, "Lambda keeps RevisionId for async settings");
    assert.equal(view.revisionId, revision);
  });

  test("Put replaces: members left out are unset (absent in the answer, Lambda's defaults in the view)", async () => {
    const name = await create();
    await put({ FunctionName: name, MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60, DestinationConfig: { OnFailure: { Destination: natsArn("x") } } });
    const replaced = await put({ FunctionName: name, MaximumRetryAttempts: 0 });
    assert.equal(replaced.MaximumRetryAttempts, 0);
    assert.equal(replaced.MaximumEventAgeInSeconds, undefined);
    assert.deepEqual(replaced.DestinationConfig, { OnSuccess: {}, OnFailure: {} });
    assert.deepEqual(shape(await get(name)), shape(replaced));
    assert.deepEqual((await viewOf(name)).eventInvokeConfig, { maximumRetryAttempts: 0, maximumEventAgeSec: 21600 });

    const emptyDestinations = await put({ FunctionName: name, DestinationConfig: { OnSuccess: {} } });
    assert.equal(emptyDestinations.MaximumRetryAttempts, undefined);
    assert.deepEqual(emptyDestinations.DestinationConfig, { OnSuccess: {}, OnFailure: {} });
    assert.deepEqual((await viewOf(name)).eventInvokeConfig, { maximumRetryAttempts: 2, maximumEventAgeSec: 21600 });
  });

  test("Update merges: members given replace, the rest stay; a DestinationConfig given replaces both destinations", async () => {
    const name = await create();
    await rejectsWith(update({ FunctionName: name, MaximumRetryAttempts: 0 }), "ResourceNotFoundException", 404, noConfig(name));
    await put({ FunctionName: name, MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60, DestinationConfig: { OnSuccess: { Destination: natsArn("ok") } } });

    const retries = await update({ FunctionName: name, MaximumRetryAttempts: 0 });
    assert.equal(retries.MaximumRetryAttempts, 0);
    assert.equal(retries.MaximumEventAgeInSeconds, 60);
    assert.deepEqual(retries.DestinationConfig, { OnSuccess: { Destination: natsArn("ok") }, OnFailure: {} });
    assert.deepEqual((await viewOf(name)).eventInvokeConfig, { maximumRetryAttempts: 0, maximumEventAgeSec: 60, onSuccess: natsArn("ok") });

    const dest = await update({ FunctionName: name, DestinationConfig: { OnFailure: { Destination: jetstreamArn("audit.failed") } } });
    assert.equal(dest.MaximumRetryAttempts, 0);
    assert.equal(dest.MaximumEventAgeInSeconds, 60);
    assert.deepEqual(dest.DestinationConfig, { OnSuccess: {}, OnFailure: { Destination: jetstreamArn("audit.failed") } });
    assert.deepEqual(shape(await get(name)), shape(dest));
    assert.deepEqual((await viewOf(name)).eventInvokeConfig, { maximumRetryAttempts: 0, maximumEventAgeSec: 60, onFailure: jetstreamArn("audit.failed") });
  });

  test("Delete answers 204 and removes the config from the API and the view; a second Delete is a 404", async () => {
    const name = await create();
    await put({ FunctionName: name, MaximumEventAgeInSeconds: 120 });
    assert.ok((await viewOf(name)).eventInvokeConfig);
    const out = await stack.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: name }));
    assert.equal(out.$metadata.httpStatusCode, 204);
    await rejectsWith(get(name), "ResourceNotFoundException", 404, noConfig(name));
    assert.deepEqual((await stack.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name }))).FunctionEventInvokeConfigs, []);
    assert.equal((await viewOf(name)).eventInvokeConfig, undefined);
    await rejectsWith(stack.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: name })), "ResourceNotFoundException", 404, noConfig(name));
  });

  test("a resolver elsewhere in the mesh (as the scheduler's and executors') follows Put, Update and Delete", async () => {
    const resolver = startFunctionResolver({ kv: views, log: createLogger({ service: "e2e-resolver", write: () => undefined }) });
    try {
      await resolver.ready;
      const name = await create();
      const seen = (expected: unknown, step: string) => eventually(() => {
        assert.deepEqual(resolver.resolve(name)?.eventInvokeConfig, expected);
      }, { name: `resolver sees ${step}`, timeoutMs: 5_000 });
      await put({ FunctionName: name, MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: natsArn("dead") } } });
      await seen({ maximumRetryAttempts: 0, maximumEventAgeSec: 21600, onFailure: natsArn("dead") }, "Put");
      await update({ FunctionName: name, MaximumEventAgeInSeconds: 90 });
      await seen({ maximumRetryAttempts: 0, maximumEventAgeSec: 90, onFailure: natsArn("dead") }, "Update");
      await stack.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: name }));
      await seen(undefined, "Delete");
      assert.ok(resolver.resolve(name), "the function itself still resolves");
    } finally {
      await resolver.stop();
    }
  });

  test("DeleteFunction deletes the config with it: a function created again under the name has none", async () => {
    const name = await create();
    await put({ FunctionName: name, MaximumRetryAttempts: 0 });
    await stack.lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
    assert.equal((await views.get(functionViewKeys.latest(name)))?.operation, "DEL");
    await rejectsWith(get(name), "ResourceNotFoundException", 404, noConfig(name));
    await stack.lambda.send(new CreateFunctionCommand({
      FunctionName: name, Runtime: "nodejs22.x", Role: `arn:aws:iam::${ACCOUNT}:role/test`, Handler: "index.handler", Code: { ZipFile: ZIP },
    }));
    await rejectsWith(get(name), "ResourceNotFoundException", 404, noConfig(name));
    assert.equal((await viewOf(name)).eventInvokeConfig, undefined);
  });

  test("List pages with MaxItems 1..50: one config per function ($LATEST), no NextMarker; MaxItems out of range is a ValidationException", async () => {
    const name = await create();
    const list = (MaxItems?: number) => stack.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: name, ...(MaxItems ? { MaxItems } : {}) }));
    assert.deepEqual((await list(1)).FunctionEventInvokeConfigs, []);
    const putOut = await put({ FunctionName: name, MaximumRetryAttempts: 1 });
    const page = await list(1);
    assert.deepEqual(page.FunctionEventInvokeConfigs, [shape(putOut)]);
    assert.equal(page.NextMarker, undefined);
    await rejectsWith(list(51), "ValidationException", 400,
      "1 validation error detected: Value '51' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 50");
  });
});

describe("errors", () => {
  test("out-of-range values are one InvalidParameterValueException (fnmesh's choice; AWS says ValidationException) listing every violation in AWS's words; nothing is stored", async () => {
    const name = await create();
    const cases: [Partial<{ MaximumRetryAttempts: number; MaximumEventAgeInSeconds: number }>, string][] = [
      [{ MaximumRetryAttempts: 3 }, "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2"],
      [{ MaximumRetryAttempts: -1 }, "1 validation error detected: Value '-1' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value greater than or equal to 0"],
      [{ MaximumEventAgeInSeconds: 59 }, "1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"],
      [{ MaximumEventAgeInSeconds: 21601 }, "1 validation error detected: Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value less than or equal to 21600"],
      [{ MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 1 }, "2 validation errors detected: Value '5' at 'maximumRetryAttempts' failed to satisfy constraint: Member must have value less than or equal to 2; Value '1' at 'maximumEventAgeInSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"],
    ];
    for (const [values, message] of cases) {
      await rejectsWith(put({ FunctionName: name, ...values }), "InvalidParameterValueException", 400, message);
      await rejectsWith(update({ FunctionName: name, ...values }), "InvalidParameterValueException", 400, message);
    }
    await rejectsWith(get(name), "ResourceNotFoundException", 404, noConfig(name));
    assert.equal((await viewOf(name)).eventInvokeConfig, undefined);
  });

  test("a request with no setting is an InvalidParameterValueException, checked before the function's existence", async () => {
    const message = "You must specify at least one of error handling or destination setting.";
    await rejectsWith(put({ FunctionName: fnName("missing") }), "InvalidParameterValueException", 400, message);
    const name = await create();
    await rejectsWith(put({ FunctionName: name }), "InvalidParameterValueException", 400, message);
    await put({ FunctionName: name, MaximumRetryAttempts: 1 });
    await rejectsWith(update({ FunctionName: name }), "InvalidParameterValueException", 400, message);
  });

  test("destinations: Lambda's pattern (ValidationException), then what fnmesh delivers to, not itself, an existing function", async () => {
    const name = await create();
    const pattern = String.raw`$|kafka://([^.]([a-zA-Z0-9\-_.]{0,248}))|arn:(aws[a-zA-Z0-9-]*):([a-zA-Z0-9\-])+:((eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1})?:(\d{12})?:(.*)`;
    await rejectsWith(put({ FunctionName: name, DestinationConfig: { OnFailure: { Destination: "invalid" } } }), "ValidationException", 400,
      `1 validation error detected: Value 'invalid' at 'destinationConfig.onFailure.destination' failed to satisfy constraint: Member must satisfy regular expression pattern: ${pattern}`);
    const missing = arnOf(fnName("nobody"));
    await rejectsWith(put({ FunctionName: name, DestinationConfig: { OnSuccess: { Destination: missing } } }), "InvalidParameterValueException", 400,
      `The destination ARN ${missing} is invalid.`);
    await rejectsWith(put({ FunctionName: name, DestinationConfig: { OnSuccess: { Destination: arnOf(name) } } }), "InvalidParameterValueException", 400,
      "You can't specify the function as a destination for itself.");
    // fnmesh delivers to functions, NATS subjects and JetStream subjects only (parseDestinationArn's texts).
    for (const destination of [`arn:aws:sqs:${REGION}:${ACCOUNT}:queue`, arnOf(name).replace(REGION, "eu-west-1"), natsArn("fnmesh.invoke.x"), natsArn("a.*")]) {
      await rejectsWith(put({ FunctionName: name, DestinationConfig: { OnFailure: { Destination: destination } } }), "InvalidParameterValueException", 400,
        new RegExp(`^The destination ARN ${destination.replace(/[.*$]/g, "\\$&")} `));
    }
    await rejectsWith(get(name), "ResourceNotFoundException", 404, noConfig(name));
    assert.equal((await viewOf(name)).eventInvokeConfig, undefined);
  });

  test("404s: Put/Update/List on a missing function, Get/Delete without a config, qualifiers other than $LATEST", async () => {
    const missing = fnName("missing");
    const none = "The function doesn't exist.";
    await rejectsWith(put({ FunctionName: missing, MaximumRetryAttempts: 1 }), "ResourceNotFoundException", 404, none);
    await rejectsWith(put({ FunctionName: arnOf(missing), MaximumRetryAttempts: 1 }), "ResourceNotFoundException", 404, none);
    await rejectsWith(update({ FunctionName: missing, MaximumRetryAttempts: 1 }), "ResourceNotFoundException", 404, none);
    await rejectsWith(stack.lambda.send(new ListFunctionEventInvokeConfigsCommand({ FunctionName: missing })), "ResourceNotFoundException", 404, none);
    await rejectsWith(get(missing), "ResourceNotFoundException", 404, noConfig(missing));
    await rejectsWith(stack.lambda.send(new DeleteFunctionEventInvokeConfigCommand({ FunctionName: missing })), "ResourceNotFoundException", 404, noConfig(missing));

    const name = await create();
    await rejectsWith(get(name), "ResourceNotFoundException", 404, noConfig(name));
    await put({ FunctionName: name, MaximumRetryAttempts: 1 });
    // No versions or aliases yet: another qualifier names nothing.
    await rejectsWith(put({ FunctionName: name, Qualifier: "1", MaximumRetryAttempts: 1 }), "ResourceNotFoundException", 404, none);
    await rejectsWith(get(name, "1"), "ResourceNotFoundException", 404, noConfig(name, "1"));
    await rejectsWith(get(`${name}:live`), "ResourceNotFoundException", 404, noConfig(name, "live"));
    await rejectsWith(put({ FunctionName: `${name}:$LATEST`, Qualifier: "1", MaximumRetryAttempts: 1 }), "InvalidParameterValueException", 400,
      "The derived qualifier from the function name does not match the specified qualifier.");
    assert.equal((await get(`${name}:$LATEST`, "$LATEST")).MaximumRetryAttempts, 1);
  });
});
