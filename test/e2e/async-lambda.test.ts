/**
 * Asynchronous invocation through the official SDK, end to end (ingest, scheduler, executor on real
 * NATS and PostgreSQL): `Invoke` with `InvocationType: "Event"`, retries and event age set with
 * `PutFunctionEventInvokeConfig`, destination records as Lambda's ("Capturing records of Lambda
 * asynchronous invocations", docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html),
 * and fnmesh's dead-letter API (list, redrive). Runs are counted by the functions on an HTTP
 * recorder in this process; records by subscribing to the destination subject.
 * The retry base is shortened (FNMESH_ASYNC_RETRY_BASE_MS) so Lambda's minutes take milliseconds.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import {
  CreateFunctionCommand, GetFunctionCommand, InvokeCommand, PutFunctionEventInvokeConfigCommand, type LambdaClient,
} from "@aws-sdk/client-lambda";
import type { Msg } from "@nats-io/transport-node";
import { createInvokeClient } from "@fnmesh/invoke";
import { ASYNC_STREAM, DLQ_STREAM, catalog, decodeFramed, subjects, type DestinationRecord } from "@fnmesh/protocol";
import { jetstreamManager } from "@nats-io/jetstream";
import { eventually, randomName } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

let stack: Stack;
let recorder: Server;
const hits = new Map<string, number>();
let recorderUrl = "";

before(async () => {
  recorder = createServer((req, res) => {
    const key = new URL(req.url ?? "/", "http://recorder").searchParams.get("key") ?? "";
    const n = (hits.get(key) ?? 0) + 1;
    hits.set(key, n);
    res.end(String(n));
  });
  recorder.listen(0, "127.0.0.1");
  await once(recorder, "listening");
  const port = (recorder.address() as AddressInfo).port;
  recorderUrl = `http://127.0.0.1:${port}`;
  stack = await startStack({
    executorEnv: { FNMESH_EGRESS_ALLOW: `127.0.0.1:${port}` },
    schedulerEnv: { FNMESH_ASYNC_RETRY_BASE_MS: "100", FNMESH_ASYNC_THROTTLE_RETRY_MS: "100" },
  });
});

after(async () => {
  await stack?.[Symbol.asyncDispose]();
  recorder?.closeAllConnections();
  recorder?.close();
});

/** Creates a function that reports each run under `key` and fails its first `failures` runs; returns its name and ARN. */
async function createCounting(key: string, failures: number): Promise<{ name: string; arn: string }> {
  const name = randomName("async").replace(/_/g, "-");
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test", Handler: "index.handler",
    Code: { ZipFile: zipOf({ "index.mjs": `export const handler = async (event) => {
      const n = Number(await (await fetch(${JSON.stringify(`${recorderUrl}/hit?key=${encodeURIComponent(key)}`)})).text());
      if (n <= ${failures}) throw new Error("failing run " + n);
      return { ran: n, got: event };
    };` }) },
  }));
  const arn = (await stack.lambda.send(new GetFunctionCommand({ FunctionName: name }))).Configuration?.FunctionArn ?? "";
  return { name, arn };
}

/** `arn:fnmesh:nats:<region>:<account>:subject/<subject>` in the stack's region and account. */
function natsArn(functionArn: string, subject: string): string {
  const [, , , region, account] = functionArn.split(":");
  return `arn:fnmesh:nats:${region}:${account}:subject/${subject}`;
}

async function collect(subject: string): Promise<{ records: DestinationRecord[]; [Symbol.dispose](): void }> {
  const records: DestinationRecord[] = [];
  const sub = stack.nc.subscribe(subject, { callback: (_e, m: Msg) => { records.push(m.json<DestinationRecord>()); } });
  await stack.nc.flush();
  return { records, [Symbol.dispose]: () => sub.unsubscribe() };
}

async function invokeEvent(name: string, event: unknown): Promise<string> {
  const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: JSON.stringify(event) }));
  assert.equal(out.StatusCode, 202);
  return out.$metadata.requestId ?? "";
}

async function drained(): Promise<void> {
  const jsm = await jetstreamManager(stack.nc);
  await eventually(async () => (await jsm.streams.info(ASYNC_STREAM)).state.messages === 0, { name: "FNMESH_ASYNC drained", timeoutMs: 30_000 });
}

/**
 * Calls fnmesh's dead-letter API with the SDK's own SigV4 signing: an Invoke request whose method
 * and path are swapped before signing. Returns the status and the parsed JSON body.
 */
async function fnmeshApi(client: LambdaClient, method: "GET" | "POST", path: string): Promise<{ status: number; json: unknown }> {
  const name = `fnmesh-api-${randomUUID()}`;
  client.middlewareStack.add((next) => async (args) => {
    const req = args.request as { method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body?: unknown };
    const url = new URL(path, "http://x");
    req.method = method;
    req.path = url.pathname;
    req.query = Object.fromEntries(url.searchParams);
    for (const h of Object.keys(req.headers)) if (/^(x-amz-invocation-type|x-amz-log-type|content-type|content-length)$/i.test(h)) delete req.headers[h];
    req.body = undefined;
    return next(args);
  }, { step: "build", name });
  try {
    const out = await client.send(new InvokeCommand({ FunctionName: "placeholder" }));
    const text = new TextDecoder().decode(out.Payload ?? new Uint8Array());
    return { status: out.StatusCode ?? 0, json: text ? JSON.parse(text) as unknown : undefined };
  } finally {
    client.middlewareStack.remove(name);
  }
}

test("Event failing twice then succeeding runs exactly 3 times and reaches OnSuccess with Lambda's record", async () => {
  const key = randomName("twice");
  const fn = await createCounting(key, 2);
  const subject = `e2e.${randomName("ok")}`;
  await stack.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: fn.name, MaximumRetryAttempts: 2,
    DestinationConfig: { OnSuccess: { Destination: natsArn(fn.arn, subject) } } }));
  using got = await collect(subject);
  const event = { order: randomUUID() };
  const requestId = await invokeEvent(fn.name, event);
  await eventually(() => got.records.length === 1, { name: "the Success record", timeoutMs: 60_000 });
  const [record] = got.records;
  assert.ok(record);
  assert.match(record.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.deepEqual(record, {
    version: "1.0", timestamp: record.timestamp,
    requestContext: { requestId, functionArn: `${fn.arn}:$LATEST`, condition: "Success", approximateInvokeCount: 3 },
    requestPayload: event,
    responseContext: { statusCode: 200, executedVersion: "$LATEST" },
    responsePayload: { ran: 3, got: event },
  });
  await drained();
  assert.equal(hits.get(key), 3);
  assert.equal(got.records.length, 1);
});

test("Event always failing reaches OnFailure after 3 attempts (RetriesExhausted); MaximumRetryAttempts 0 runs it once", async () => {
  for (const [retries, runs] of [[2, 3], [0, 1]] as const) {
    const key = randomName("always");
    const fn = await createCounting(key, 1_000);
    const subject = `e2e.${randomName("fail")}`;
    await stack.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: fn.name, MaximumRetryAttempts: retries,
      DestinationConfig: { OnFailure: { Destination: natsArn(fn.arn, subject) } } }));
    using got = await collect(subject);
    const requestId = await invokeEvent(fn.name, { retries });
    await eventually(() => got.records.length === 1, { name: `the failure record (${retries} retries)`, timeoutMs: 60_000 });
    const [record] = got.records;
    assert.ok(record);
    assert.deepEqual(record.requestContext, { requestId, functionArn: `${fn.arn}:$LATEST`, condition: "RetriesExhausted", approximateInvokeCount: runs });
    assert.deepEqual(record.responseContext, { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" });
    assert.equal((record.responsePayload as { errorMessage: string }).errorMessage, `failing run ${runs}`);
    await drained();
    assert.equal(hits.get(key), runs);
  }
});

test("an Event older than MaximumEventAgeInSeconds goes to OnFailure with EventAgeExceeded, without running", async () => {
  const key = randomName("old");
  const fn = await createCounting(key, 0);
  const subject = `e2e.${randomName("age")}`;
  await stack.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: fn.name, MaximumEventAgeInSeconds: 60,
    DestinationConfig: { OnFailure: { Destination: natsArn(fn.arn, subject) } } }));
  using got = await collect(subject);
  // Accepted 61 s ago, as if it had waited that long: queued through the invoke client, as the API does.
  const requestId = randomUUID();
  await createInvokeClient(stack.nc).enqueue({ v: 2, requestId, invocationType: "Event", logType: "None", function: fn.name,
    source: { kind: "api" }, acceptedAt: Date.now() - 61_000 }, new TextEncoder().encode('{"late":true}'));
  await eventually(() => got.records.length === 1, { name: "the EventAgeExceeded record", timeoutMs: 60_000 });
  assert.deepEqual(got.records[0], {
    version: "1.0", timestamp: got.records[0]?.timestamp,
    requestContext: { requestId, functionArn: `${fn.arn}:$LATEST`, condition: "EventAgeExceeded", approximateInvokeCount: 0 },
    requestPayload: { late: true },
  });
  await drained();
  assert.equal(hits.get(key) ?? 0, 0);
});

test("without a destination a failed Event lands in the dead-letter stream; the API lists it and a redrive runs it again", async () => {
  const key = randomName("dlq");
  const fn = await createCounting(key, 1);
  await stack.lambda.send(new PutFunctionEventInvokeConfigCommand({ FunctionName: fn.name, MaximumRetryAttempts: 0 }));
  const event = { id: randomUUID() };
  const requestId = await invokeEvent(fn.name, event);
  const client = stack.client();
  try {
    const listed = await eventually(async () => {
      const { status, json } = await fnmeshApi(client, "GET", `/2015-03-31/functions/${fn.name}/dead-letters`);
      assert.equal(status, 200);
      const letters = (json as { DeadLetters: Record<string, unknown>[] }).DeadLetters;
      assert.equal(letters.length, 1, "one dead letter");
      return letters[0] ?? {};
    }, { name: "the dead letter listed", timeoutMs: 60_000 });
    assert.deepEqual({ ...listed, Sequence: 0, Time: "" }, {
      Sequence: 0, Time: "", Reason: "retries_exhausted", RequestId: requestId, Attempts: 1, ErrorType: "Error", ErrorMessage: "failing run 1",
    });
    assert.ok(typeof listed.Sequence === "number" && !Number.isNaN(Date.parse(String(listed.Time))));
    // The stream holds the original bytes.
    const jsm = await jetstreamManager(stack.nc);
    const stored = await jsm.streams.getMessage(DLQ_STREAM, { seq: listed.Sequence as number });
    assert.ok(stored);
    assert.equal(stored.subject, subjects.dlq("retries_exhausted"));
    assert.deepEqual(JSON.parse(new TextDecoder().decode(decodeFramed(catalog.asyncInvoke.message, stored.data).payload)), event);
    assert.equal(hits.get(key), 1);

    const redrive = await fnmeshApi(client, "POST", `/2015-03-31/functions/${fn.name}/dead-letters/${String(listed.Sequence)}/redrive`);
    assert.equal(redrive.status, 202);
    const newId = (redrive.json as { RequestId: string }).RequestId;
    assert.notEqual(newId, requestId);
    await eventually(() => hits.get(key) === 2, { name: "the redriven event ran", timeoutMs: 60_000 });
    await drained();
    const after = await fnmeshApi(client, "GET", `/2015-03-31/functions/${fn.name}/dead-letters`);
    assert.deepEqual((after.json as { DeadLetters: unknown[] }).DeadLetters, [], "the redriven dead letter is gone; the rerun succeeded");
    await assert.rejects(fnmeshApi(client, "POST", `/2015-03-31/functions/${fn.name}/dead-letters/${String(listed.Sequence)}/redrive`),
      { name: "ResourceNotFoundException" });
  } finally {
    client.destroy();
  }
});
