/**
 * How the scheduler holds and returns messages: the consumer's ack wait (FNMESH_SCHEDULER_ACK_WAIT_MS,
 * followed by an existing consumer, the executors' old consumer removed), a run longer than several
 * ack waits delivered once, "no executor" not counted as an attempt, and a destination that cannot
 * be reached retried without running the function again, then dead-lettered at the event's age.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import { AckPolicy } from "@nats-io/jetstream";
import { ASYNC_CONSUMER, ASYNC_STREAM, DLQ_STREAM, Header, LEGACY_ASYNC_CONSUMER, subjects, type DestinationRecord } from "@fnmesh/protocol";
import { eventually, printLogsOnFailure, randomName } from "@fnmesh/test-harness";
import { countingHandler, servicesReady, startSchedulerHarness } from "./support.ts";

test("the consumer's ack wait is FNMESH_SCHEDULER_ACK_WAIT_MS (30 s by default), followed by an existing consumer; the executors' old consumer is removed", async (t) => {
  await using h = await startSchedulerHarness({ executors: 0, inProcessScheduler: false });
  printLogsOnFailure(t, { scheduler: h });
  // What executors used to create: a work-queue stream allows one consumer per subject, so it must go.
  await h.jsm.streams.add({ name: ASYNC_STREAM, subjects: [subjects.asyncAll], retention: "workqueue" });
  await h.jsm.consumers.add(ASYNC_STREAM, { durable_name: LEGACY_ASYNC_CONSUMER, ack_policy: AckPolicy.Explicit, filter_subject: subjects.asyncAll });
  const ackWaitMs = async () => ((await h.jsm.consumers.info(ASYNC_STREAM, ASYNC_CONSUMER)).config.ack_wait ?? 0) / 1e6;

  const first = await h.spawnScheduler({ FNMESH_SCHEDULER_ACK_WAIT_MS: "" });
  await servicesReady(h.nc, "scheduler");
  assert.equal(await ackWaitMs(), 30_000);
  await assert.rejects(h.jsm.consumers.info(ASYNC_STREAM, LEGACY_ASYNC_CONSUMER), /consumer not found/);
  await first.stop();

  // Restarted with another setting: the consumer outlives the process and must follow.
  await h.spawnScheduler({ FNMESH_SCHEDULER_ACK_WAIT_MS: "7000" });
  await servicesReady(h.nc, "scheduler");
  assert.equal(await ackWaitMs(), 7000);
});

test("an event running for several ack waits is delivered once: the scheduler extends the wait while it runs", async (t) => {
  await using h = await startSchedulerHarness({ schedulerEnv: { FNMESH_SCHEDULER_ACK_WAIT_MS: "1000" } });
  printLogsOnFailure(t, { scheduler: h });
  const key = randomName("slow");
  // The handler reports its start, then waits until the test has seen three ack waits go by in the
  // consumer's view (it holds the message with nothing else to do), then returns.
  const fn = await h.deploy(`export const handler = async () => {
    await fetch(${JSON.stringify(`${h.recorder.url}/hit?key=${key}`)});
    while (Number(await (await fetch(${JSON.stringify(`${h.recorder.url}/hit?key=${key}-poll`)})).text()) < 60) await new Promise((r) => setTimeout(r, 50));
    return "slow";
  };`, { timeoutSec: 60 });
  await h.publish(fn);
  const req = await h.enqueue(fn.name, {});
  await eventually(() => h.recorder.hits(`${key}-poll`) >= 60, { name: "the handler polled for 3 s (three ack waits)", timeoutMs: 60_000 });
  await eventually(() => h.outcomes(req.requestId).length === 1, { name: "the event's outcome", timeoutMs: 60_000 });
  assert.deepEqual(h.outcomes(req.requestId).map((e) => [e.outcome, e.deliveries]), [["succeeded", 1]]);
  const info = await h.jsm.consumers.info(ASYNC_STREAM, ASYNC_CONSUMER);
  assert.equal(info.num_redelivered, 0, "never redelivered");
  assert.equal(h.recorder.hits(key), 1, "ran once");
});

test("with no executor the event waits without using an attempt, and runs once (attempt 1) when one starts", async (t) => {
  await using h = await startSchedulerHarness({ executors: 0 });
  printLogsOnFailure(t, { scheduler: h });
  const key = randomName("noexec");
  const fn = await h.deploy(countingHandler(h.recorder, key, 0));
  await h.publish(fn, { maximumRetryAttempts: 0, maximumEventAgeSec: 3600 });
  const req = await h.enqueue(fn.name, {});
  await eventually(() => h.outcomes(req.requestId).filter((e) => e.outcome === "throttled").length >= 3, { name: "three deliveries without an executor", timeoutMs: 30_000 });
  assert.ok(h.outcomes(req.requestId).every((e) => e.outcome === "throttled" && e.code === "no_executor" && e.attempt === 1));

  await h.spawnExecutor();
  await eventually(() => h.outcomes(req.requestId).some((e) => e.outcome === "succeeded"), { name: "ran once an executor is up", timeoutMs: 60_000 });
  assert.equal(h.recorder.hits(key), 1);
  assert.equal(h.outcomes(req.requestId).filter((e) => e.outcome === "succeeded")[0]?.attempt, 1, "retries of MaximumRetryAttempts 0 were not used up");
});

test("a JetStream destination without a stream is retried without running the function again, delivered once a stream exists", async (t) => {
  await using h = await startSchedulerHarness();
  printLogsOnFailure(t, { scheduler: h });
  const key = randomName("dest");
  const subject = `test.${randomName("late")}`;
  const fn = await h.deploy(countingHandler(h.recorder, key, 0));
  await h.publish(fn, { maximumRetryAttempts: 2, maximumEventAgeSec: 3600, onSuccess: h.natsArn("jetstream", subject) });
  const req = await h.enqueue(fn.name, { v: 1 });
  await eventually(() => h.outcomes(req.requestId).filter((e) => e.outcome === "destination_retry").length >= 2, { name: "delivery retried", timeoutMs: 30_000 });
  const stream = randomName("late").toUpperCase();
  await h.jsm.streams.add({ name: stream, subjects: [subject] });
  const stored = await eventually(async () => {
    const m = await h.jsm.streams.getMessage(stream, { seq: 1 });
    assert.ok(m);
    return m;
  }, { name: "the record stored", timeoutMs: 30_000 });
  assert.equal(stored.json<DestinationRecord>().requestContext.condition, "Success");
  assert.equal(h.recorder.hits(key), 1, "the function ran once");
  await eventually(async () => (await h.jsm.streams.info(ASYNC_STREAM)).state.messages === 0, { name: "FNMESH_ASYNC drained" });
});

test("a destination still unreachable when the event reaches its maximum age is dead-lettered destination_failed with the record", async (t) => {
  await using h = await startSchedulerHarness();
  printLogsOnFailure(t, { scheduler: h });
  const key = randomName("never");
  const fn = await h.deploy(countingHandler(h.recorder, key, 0));
  const destination = h.natsArn("jetstream", `test.${randomName("nowhere")}`);
  await h.publish(fn, { maximumRetryAttempts: 2, maximumEventAgeSec: 60, onSuccess: destination });
  // Accepted 50 s ago: it runs at once and its 60 s run out while the destination keeps failing.
  const event = { id: randomUUID() };
  const req = await h.enqueue(fn.name, event, { acceptedAt: Date.now() - 50_000 });
  const dl = await eventually(async () => {
    const m = await h.jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: subjects.dlq("destination_failed") }).catch(() => null);
    assert.ok(m && m.header.get(Header.RequestId) === req.requestId);
    return m;
  }, { name: "dead letter destination_failed", timeoutMs: 60_000 });
  const record = dl.json<DestinationRecord>();
  assert.deepEqual([record.requestContext.requestId, record.requestContext.condition, record.requestPayload, record.responsePayload],
    [req.requestId, "Success", event, { ran: 1, got: event }]);
  assert.equal(dl.header.get(Header.Destination), destination);
  assert.equal(dl.header.get(Header.DeadLetterReason), "destination_failed");
  assert.equal(h.recorder.hits(key), 1, "the function ran once");
});
