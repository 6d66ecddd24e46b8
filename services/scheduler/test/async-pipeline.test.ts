/**
 * The scheduler's async pipeline over real NATS with a real executor process: retries with
 * Lambda's policy, destination records field for field (Lambda Developer Guide, "Capturing records
 * of Lambda asynchronous invocations", docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html),
 * dead letters with reason and original bytes, event age, invalid and poison messages. Runs are
 * counted by the function on an HTTP recorder in this process; destination records by
 * subscribing to the destination. FunctionViews are written to FUNCTIONS_BUCKET as ingest writes
 * them, with the EventInvokeConfig the API would have stored.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { randomUUID } from "node:crypto";
import { headers as natsHeaders, type Msg } from "@nats-io/transport-node";
import { ASYNC_STREAM, catalog, decodeFramed, DLQ_STREAM, Header, subjects, type DestinationRecord } from "@fnmesh/protocol";
import { eventually, printLogsOnFailure, randomName } from "@fnmesh/test-harness";
import { countingHandler, startSchedulerHarness, type SchedulerHarness } from "./support.ts";

let h: SchedulerHarness;
before(async () => { h = await startSchedulerHarness(); });
after(async () => { await h?.[Symbol.asyncDispose](); });

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const DEFAULTS = { maximumRetryAttempts: 2, maximumEventAgeSec: 21_600 };

/** Collects what arrives on a core NATS subject. */
async function collect(subject: string): Promise<{ records: DestinationRecord[]; msgs: Msg[]; [Symbol.dispose](): void }> {
  const records: DestinationRecord[] = [];
  const msgs: Msg[] = [];
  const sub = h.nc.subscribe(subject, { callback: (_e, m) => { msgs.push(m); records.push(m.json<DestinationRecord>()); } });
  await h.nc.flush();
  return { records, msgs, [Symbol.dispose]: () => sub.unsubscribe() };
}

/** The dead letter of a request id, from FNMESH_DLQ (the last one on the reason's subject). */
async function deadLetter(reason: string, requestId: string) {
  return eventually(async () => {
    const m = await h.jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: subjects.dlq(reason) }).catch(() => null);
    assert.ok(m, `no ${reason} dead letter yet`);
    assert.equal(m.header.get(Header.RequestId), requestId, "the newest dead letter is another request's");
    return m;
  }, { name: `dead letter ${reason} for ${requestId}`, timeoutMs: 30_000 });
}

async function queueDrained(): Promise<void> {
  await eventually(async () => {
    const info = await h.jsm.streams.info(ASYNC_STREAM);
    assert.equal(info.state.messages, 0, "messages left on FNMESH_ASYNC");
  }, { name: "FNMESH_ASYNC drained", timeoutMs: 30_000 });
}

describe("retries and destinations", () => {
  test("failing twice then succeeding runs exactly 3 times and sends Lambda's Success record to a NATS subject", async (t) => {
    printLogsOnFailure(t, { scheduler: h });
    const key = randomName("twice");
    const subject = `test.${randomName("ok")}`;
    const fn = await h.deploy(countingHandler(h.recorder, key, 2));
    await h.publish(fn, { ...DEFAULTS, onSuccess: h.natsArn("nats", subject) });
    using got = await collect(subject);
    const event = { order: randomUUID(), items: [1, 2] };
    const req = await h.enqueue(fn.name, event);

    await eventually(() => got.records.length === 1, { name: "the Success record", timeoutMs: 30_000 });
    const [record] = got.records;
    assert.ok(record);
    assert.match(record.timestamp, ISO);
    assert.deepEqual(record, {
      version: "1.0", timestamp: record.timestamp,
      requestContext: { requestId: req.requestId, functionArn: `${fn.arn}:$LATEST`, condition: "Success", approximateInvokeCount: 3 },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: "$LATEST" },
      responsePayload: { ran: 3, got: event },
    });
    await queueDrained();
    assert.equal(h.recorder.hits(key), 3, "ran exactly 3 times");
    const outcomes = h.outcomes(req.requestId).filter((e) => e.outcome !== "waiting").map((e) => [e.attempt, e.outcome, e.source]);
    assert.deepEqual(outcomes, [[1, "retry_scheduled", "api"], [2, "retry_scheduled", "retry"], [3, "succeeded", "retry"]]);
    assert.equal(got.records.length, 1);
  });

  test("OnSuccess to another function: it receives the record as its event", async (t) => {
    printLogsOnFailure(t, { scheduler: h });
    const key = randomName("fnd");
    const sink = await h.deploy(`export const handler = async (record) => {
      await fetch(${JSON.stringify(`${h.recorder.url}/body?key=${key}`)}, { method: "POST", body: JSON.stringify(record) });
      return "stored";
    };`);
    await h.publish(sink);
    const fn = await h.deploy(countingHandler(h.recorder, `${key}-origin`, 2));
    await h.publish(fn, { ...DEFAULTS, onSuccess: h.arn(sink.name) });
    const req = await h.enqueue(fn.name, { n: 1 });
    await eventually(() => h.recorder.bodies(key).length === 1, { name: "the destination function ran", timeoutMs: 30_000 });
    const [record] = h.recorder.bodies(key) as DestinationRecord[];
    assert.ok(record);
    assert.deepEqual(record.requestContext, { requestId: req.requestId, functionArn: `${fn.arn}:$LATEST`, condition: "Success", approximateInvokeCount: 3 });
    assert.deepEqual([record.requestPayload, record.responsePayload, record.responseContext], [{ n: 1 }, { ran: 3, got: { n: 1 } }, { statusCode: 200, executedVersion: "$LATEST" }]);
    // The destination's own invocation is an Event of its own, started by the origin function.
    await queueDrained();
    const sinkEvents = h.events.filter((e) => e.msg === "async event" && e.function === sink.name);
    assert.deepEqual(sinkEvents.map((e) => [e.source, e.outcome]), [["destination", "succeeded"]]);
    assert.equal(h.recorder.bodies(key).length, 1);
    assert.equal(h.recorder.hits(`${key}-origin`), 3);
  });

  test("always failing reaches OnFailure (a JetStream subject) after exactly 3 attempts with RetriesExhausted", async (t) => {
    printLogsOnFailure(t, { scheduler: h });
    const key = randomName("always");
    const subject = `test.${randomName("fail")}`;
    const stream = randomName("failures").toUpperCase();
    await h.jsm.streams.add({ name: stream, subjects: [subject] });
    const fn = await h.deploy(countingHandler(h.recorder, key, 1_000));
    await h.publish(fn, { ...DEFAULTS, onFailure: h.natsArn("jetstream", subject) });
    const event = { id: randomUUID() };
    const req = await h.enqueue(fn.name, event);

    const stored = await eventually(async () => {
      const m = await h.jsm.streams.getMessage(stream, { seq: 1 });
      assert.ok(m, "not stored yet");
      return m;
    }, { name: "the failure record stored", timeoutMs: 30_000 });
    assert.equal(stored.header.get("Nats-Msg-Id"), `${req.requestId}.RetriesExhausted`);
    const record = stored.json<DestinationRecord>();
    const response = record.responsePayload as { errorType: string; errorMessage: string; trace: string[] };
    assert.deepEqual(record, {
      version: "1.0", timestamp: record.timestamp,
      requestContext: { requestId: req.requestId, functionArn: `${fn.arn}:$LATEST`, condition: "RetriesExhausted", approximateInvokeCount: 3 },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: { errorType: "Error", errorMessage: "failing run 3", trace: response.trace },
    });
    assert.ok(Array.isArray(response.trace) && response.trace[0]?.startsWith("Error: failing run 3"), JSON.stringify(response.trace));
    await queueDrained();
    assert.equal(h.recorder.hits(key), 3);
    assert.equal((await h.jsm.streams.info(stream)).state.messages, 1, "one record");
  });

  test("MaximumRetryAttempts 0: one attempt, then (no OnFailure) a dead letter retries_exhausted with the original bytes", async (t) => {
    printLogsOnFailure(t, { scheduler: h });
    const key = randomName("once");
    const fn = await h.deploy(countingHandler(h.recorder, key, 1_000));
    await h.publish(fn, { maximumRetryAttempts: 0, maximumEventAgeSec: 60 });
    const req = await h.enqueue(fn.name, { once: true });
    const dl = await deadLetter("retries_exhausted", req.requestId);
    const { envelope, payload } = decodeFramed(catalog.asyncInvoke.message, dl.data);
    assert.deepEqual([envelope.requestId, envelope.attempt, envelope.function], [req.requestId, 1, fn.name]);
    assert.deepEqual(JSON.parse(new TextDecoder().decode(payload)), { once: true });
    assert.deepEqual(
      [Header.DeadLetterReason, Header.OriginalSubject, Header.Function, Header.Attempts, Header.ErrorType, Header.ErrorMessage, "Nats-Msg-Id"].map((k) => dl.header.get(k)),
      ["retries_exhausted", subjects.async(fn.name), fn.name, "1", "Error", "failing run 1", `${req.requestId}.dlq`],
    );
    await queueDrained();
    assert.equal(h.recorder.hits(key), 1);
  });
});

describe("event age, missing functions, invalid messages", () => {
  test("an event older than MaximumEventAgeInSeconds goes to OnFailure with EventAgeExceeded and never runs", async (t) => {
    printLogsOnFailure(t, { scheduler: h });
    const key = randomName("old");
    const subject = `test.${randomName("age")}`;
    const fn = await h.deploy(countingHandler(h.recorder, key, 0));
    await h.publish(fn, { maximumRetryAttempts: 2, maximumEventAgeSec: 60, onFailure: h.natsArn("nats", subject) });
    using got = await collect(subject);
    // Accepted 61 s ago, as if it had waited in the queue that long.
    const req = await h.enqueue(fn.name, { late: true }, { acceptedAt: Date.now() - 61_000 });
    await eventually(() => got.records.length === 1, { name: "the EventAgeExceeded record", timeoutMs: 30_000 });
    const [record] = got.records;
    assert.ok(record);
    assert.deepEqual(record, {
      version: "1.0", timestamp: record.timestamp,
      requestContext: { requestId: req.requestId, functionArn: `${fn.arn}:$LATEST`, condition: "EventAgeExceeded", approximateInvokeCount: 0 },
      requestPayload: { late: true },
    });
    await queueDrained();
    assert.equal(h.recorder.hits(key), 0, "never ran");
  });

  test("an event for a function that does not exist is dead-lettered function_not_found", async (t) => {
    printLogsOnFailure(t, { scheduler: h });
    const req = await h.enqueue(`ghost-${randomUUID().slice(0, 8)}`, { x: 1 });
    const dl = await deadLetter("function_not_found", req.requestId);
    assert.equal(dl.header.get(Header.Function), req.function);
    await queueDrained();
  });

  test("an undecodable message is dead-lettered invalid_message with its bytes, and does not hold back the events behind it", async (t) => {
    printLogsOnFailure(t, { scheduler: h });
    const key = randomName("behind");
    const fn = await h.deploy(countingHandler(h.recorder, key, 0));
    await h.publish(fn);
    const garbage = new TextEncoder().encode(`{"v":2}\n${randomUUID()}`);
    const poisonId = randomUUID();
    const hdr = natsHeaders();
    hdr.set(Header.RequestId, poisonId);
    await h.js.publish(subjects.async(fn.name), garbage, { msgID: poisonId, headers: hdr });
    const behind = [];
    for (let i = 0; i < 20; i++) behind.push(await h.enqueue(fn.name, { i }));

    const dl = await deadLetter("invalid_message", poisonId);
    assert.deepEqual(Buffer.from(dl.data), Buffer.from(garbage));
    assert.equal(dl.header.get(Header.OriginalSubject), subjects.async(fn.name));
    assert.equal(dl.header.get(Header.Function), fn.name);
    assert.match(dl.header.get(Header.ErrorMessage), /invalid async invoke request/);
    await eventually(() => h.recorder.hits(key) === 20, { name: "the 20 events behind it ran", timeoutMs: 30_000 });
    await queueDrained();
    assert.equal(h.recorder.hits(key), 20);
    for (const r of behind) assert.deepEqual(h.outcomes(r.requestId).map((e) => e.outcome), ["succeeded"]);
  });
});
