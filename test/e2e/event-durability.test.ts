/**
 * Event invokes through the SDK, observed on JetStream: README "What works today" says Invoke
 * `Event` is durable on JetStream before the 202, and its Architecture section that the request id
 * is also the JetStream message id, so re-submitted events are de-duplicated.
 *
 * Each test has its own stack without a scheduler (the only consumer of FNMESH_ASYNC), so whatever
 * is on the stream after the 202 was put there by ingest before it answered; the scheduler is
 * started only once the test has looked.
 * That the 202 waits for JetStream's acknowledgement is shown the other way round too: with the
 * stream gone, no acknowledgement comes and the caller gets an error, not a 202.
 * Runs are counted by the executor's REPORT lines on `fnmesh.logs.<fn>` and by the durable
 * consumer's delivery count, neither of which the function can write.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { CreateFunctionCommand, InvokeCommand, ServiceException } from "@aws-sdk/client-lambda";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { eventually, randomName } from "@fnmesh/test-harness";
import { ASYNC_CONSUMER, ASYNC_STREAM, catalog, decodeFramed, subjects } from "@fnmesh/protocol";
import { watchLogs } from "./support/logs.ts";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function createLogging(stack: Stack): Promise<string> {
  const name = randomName("evt").replace(/_/g, "-");
  await stack.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test",
    Handler: "index.handler", Code: { ZipFile: zipOf({ "index.mjs": "export const handler = async (e) => { console.log('ran', e.marker); return e.marker; };" }) } }));
  return name;
}

async function invokeEvent(stack: Stack, name: string, marker: string): Promise<string> {
  const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event",
    Payload: new TextEncoder().encode(JSON.stringify({ marker })) }));
  assert.equal(out.StatusCode, 202);
  // The SDK reads the request id from the 202's x-amzn-RequestId header.
  const requestId = out.$metadata.requestId ?? "";
  assert.match(requestId, UUID);
  return requestId;
}

/** Resolves when the one Event message was acknowledged: gone from the work-queue stream, nothing pending. */
async function drained(jsm: JetStreamManager, name: string): Promise<void> {
  await eventually(async () => {
    const stream = await jsm.streams.info(ASYNC_STREAM);
    const consumer = await jsm.consumers.info(ASYNC_STREAM, ASYNC_CONSUMER);
    return stream.state.messages === 0 && consumer.num_pending === 0 && consumer.num_ack_pending === 0;
  }, { name: `the Event message for ${name} acknowledged`, timeoutMs: 60_000 });
}

test("Event: the message is on FNMESH_ASYNC with Nats-Msg-Id = the 202's request id when the 202 arrives; a scheduler started later runs it once", async () => {
  await using stack = await startStack({ scheduler: false });
  const name = await createLogging(stack);
  using logs = await watchLogs(stack.nc, name);
  const marker = randomName("m");
  const requestId = await invokeEvent(stack, name, marker);

  // No waiting: the 202 is only sent after JetStream acknowledged the publish.
  const jsm = await jetstreamManager(stack.nc);
  const stored = await jsm.streams.getMessage(ASYNC_STREAM, { last_by_subj: subjects.async(name) });
  assert.ok(stored, "the Event invocation is on the stream");
  assert.equal(stored.header.get("Nats-Msg-Id"), requestId);
  const { envelope, payload } = decodeFramed(catalog.asyncInvoke.message, stored.data, "stored Event invocation");
  assert.equal(envelope.requestId, requestId);
  assert.equal(envelope.invocationType, "Event");
  assert.equal(envelope.function, name);
  assert.deepEqual([envelope.attempt, envelope.source.kind], [1, "api"]);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), { marker });
  assert.equal((await jsm.streams.info(ASYNC_STREAM)).state.messages, 1);
  // Nothing could have taken it: no scheduler has created the durable consumer yet.
  await assert.rejects(jsm.consumers.info(ASYNC_STREAM, ASYNC_CONSUMER), /consumer not found/);
  assert.equal(logs.reports(requestId), 0);

  await using consumer = await stack.startScheduler();
  await eventually(() => logs.reports(requestId) === 1, { name: "the Event invocation ran", timeoutMs: 60_000 });
  await drained(jsm, name);
  const info = await jsm.consumers.info(ASYNC_STREAM, ASYNC_CONSUMER);
  assert.equal(info.delivered.consumer_seq, 1, "delivered exactly once");
  assert.equal(info.delivered.stream_seq, stored.seq);
  assert.equal(logs.reports(requestId), 1);
  assert.deepEqual(logs.linesOf(requestId).filter((l) => l.endsWith(`\tINFO\tran ${marker}`)).length, 1);
});

test("Event: re-publishing the message with its request id is a JetStream duplicate, before and after it ran; the function runs once", async () => {
  await using stack = await startStack({ scheduler: false });
  const name = await createLogging(stack);
  using logs = await watchLogs(stack.nc, name);
  const requestId = await invokeEvent(stack, name, randomName("m"));

  const jsm = await jetstreamManager(stack.nc);
  const js = jetstream(stack.nc);
  const stored = await jsm.streams.getMessage(ASYNC_STREAM, { last_by_subj: subjects.async(name) });
  assert.ok(stored);
  // What ingest would send if it re-submitted the same invocation.
  const resubmit = () => js.publish(subjects.async(name), stored.data, { msgID: requestId });

  const again = await resubmit();
  assert.equal(again.duplicate, true);
  assert.equal(again.seq, stored.seq, "JetStream answers with the original message's sequence");
  assert.equal((await jsm.streams.info(ASYNC_STREAM)).state.messages, 1, "the duplicate was not stored");

  await using consumer = await stack.startScheduler();
  await eventually(() => logs.reports(requestId) === 1, { name: "the Event invocation ran", timeoutMs: 60_000 });
  await drained(jsm, name);

  // After the run (the work-queue stream has dropped the message) the id is still remembered.
  const late = await resubmit();
  assert.equal(late.duplicate, true);
  const stream = await jsm.streams.info(ASYNC_STREAM);
  assert.equal(stream.state.messages, 0);
  assert.equal(stream.state.last_seq, stored.seq, "nothing new was stored");
  const info = await jsm.consumers.info(ASYNC_STREAM, ASYNC_CONSUMER);
  assert.equal(info.delivered.consumer_seq, 1, "delivered exactly once");
  assert.equal(info.num_pending, 0);
  assert.equal(logs.reports(requestId), 1);
});

test("Event: when JetStream cannot store the invocation, Invoke is a 503 ServiceException, never a 202", async () => {
  await using stack = await startStack({ scheduler: false });
  const name = await createLogging(stack);
  // The 202 waits for JetStream's acknowledgement: with no stream to take the message, there is none.
  const jsm = await jetstreamManager(stack.nc);
  assert.equal(await jsm.streams.delete(ASYNC_STREAM), true);
  await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event",
    Payload: new TextEncoder().encode('{"marker":"lost"}') })), (err: unknown) => {
    assert.ok(err instanceof ServiceException, `got ${(err as Error).name}`);
    assert.equal(err.$metadata.httpStatusCode, 503);
    return true;
  });
});
