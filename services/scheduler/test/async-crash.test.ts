/**
 * `kill -9` of a scheduler process mid-batch, and of an executor process mid-invocation, loses no
 * event. Every event is counted in (its PubAck from the invoke client) and out (the function
 * reports its event id to an HTTP recorder in this process when it finishes). Nothing waits on time:
 * the kills happen when the recorder has seen the batch under way, and the end is "every id
 * recorded and FNMESH_ASYNC empty".
 *
 * Delivery is at least once, as Lambda's asynchronous invocation ("your function might receive the
 * same event multiple times", Developer Guide, "How Lambda handles errors and retries with
 * asynchronous invocation"): an event whose run finished on the killed scheduler's watch but was
 * not yet acknowledged runs again after the ack wait, so duplicates are allowed and counted (at most
 * the messages the dead scheduler held); losses are not. An executor killed mid-run never replied, so
 * those runs did not finish and run once elsewhere.
 */
import assert from "node:assert/strict";
import { test, type TestContext } from "node:test";
import { ASYNC_STREAM } from "@fnmesh/protocol";
import { eventually, printLogsOnFailure, randomName } from "@fnmesh/test-harness";
import { servicesReady, startSchedulerHarness, type SchedulerHarness } from "./support.ts";

const EVENTS = 200;
const DRAIN_TIMEOUT_MS = 180_000;
const IN_FLIGHT = 16;

/** A function that waits at the recorder's gate, then reports its event id as done. */
async function recordingFunction(h: SchedulerHarness, tag: string): Promise<string> {
  const fn = await h.deploy(`export const handler = async (event) => {
    await fetch(${JSON.stringify(`${h.recorder.url}/hit?key=${tag}-start`)});
    await fetch(${JSON.stringify(`${h.recorder.url}/gate`)});
    await fetch(${JSON.stringify(`${h.recorder.url}/hit?key=`)} + encodeURIComponent(event.id));
    return event.id;
  };`, { timeoutSec: 5 });
  await h.publish(fn);
  return fn.name;
}

async function enqueueAll(h: SchedulerHarness, name: string, tag: string): Promise<string[]> {
  const ids = Array.from({ length: EVENTS }, (_, i) => `${tag}-${i}`);
  await Promise.all(ids.map((id) => h.enqueue(name, { id })));
  return ids;
}

/** Every id ran, nothing else did, and the queue is empty; returns how many ran more than once. */
async function assertNoneLost(t: TestContext, h: SchedulerHarness, tag: string, ids: string[]): Promise<number> {
  await eventually(async () => {
    const missing = ids.filter((id) => h.recorder.hits(id) === 0);
    assert.equal(missing.length, 0, `${missing.length} events not run yet, e.g. ${missing.slice(0, 5).join(", ")}`);
    assert.equal((await h.jsm.streams.info(ASYNC_STREAM)).state.messages, 0, "FNMESH_ASYNC drained");
  }, { name: "every event ran and the queue drained", timeoutMs: DRAIN_TIMEOUT_MS });
  const ran = [...h.recorder.allHits()].filter(([key]) => key.startsWith(`${tag}-`) && !key.endsWith("-start"));
  const sent = new Set(ids);
  assert.deepEqual(ran.filter(([id]) => !sent.has(id)), [], "only events that were sent ran");
  assert.equal(ran.length, EVENTS);
  const duplicates = ran.filter(([, n]) => n > 1).length;
  t.diagnostic(`${EVENTS} events in, ${EVENTS} distinct out, ${duplicates} ran more than once`);
  return duplicates;
}

test("kill -9 of the scheduler mid-batch loses no event: another scheduler takes the unacknowledged ones", async (t) => {
  await using h = await startSchedulerHarness({ inProcessScheduler: false });
  printLogsOnFailure(t, { scheduler: h });
  const tag = randomName("sched");
  const name = await recordingFunction(h, tag);
  // The scheduler holds at most this many messages; the rest of the batch waits in the stream.
  const first = await h.spawnScheduler({ FNMESH_SCHEDULER_MAX_IN_FLIGHT: String(IN_FLIGHT) });
  await servicesReady(h.nc, "scheduler");
  h.recorder.closeGate();
  const ids = await enqueueAll(h, name, tag);
  // Mid-batch: runs have started (and are held at the gate) while most events wait in the queue.
  await eventually(() => h.recorder.hits(`${tag}-start`) >= 5, { name: "the batch under way", timeoutMs: 60_000 });
  first.kill("SIGKILL");
  await first.exited;
  h.recorder.openGate();
  await h.spawnScheduler({ FNMESH_SCHEDULER_MAX_IN_FLIGHT: String(IN_FLIGHT) });
  const duplicates = await assertNoneLost(t, h, tag, ids);
  // Only what the killed scheduler held can run twice: it had dispatched those before it died,
  // the executor finished them, and their unacknowledged messages came back to the new scheduler.
  assert.ok(duplicates <= IN_FLIGHT, `${duplicates} duplicates, more than the ${IN_FLIGHT} messages the killed scheduler held`);
});

test("kill -9 of the executor mid-invocation loses no event: the scheduler offers them again and another executor runs them", async (t) => {
  await using h = await startSchedulerHarness({ executors: 0, schedulerEnv: { FNMESH_SCHEDULER_ACK_WAIT_MS: "3000" } });
  printLogsOnFailure(t, { scheduler: h });
  const tag = randomName("exec");
  const name = await recordingFunction(h, tag);
  const doomed = await h.spawnExecutor();
  await servicesReady(h.nc, "executor");
  h.recorder.closeGate();
  const ids = await enqueueAll(h, name, tag);
  await eventually(() => h.recorder.hits(`${tag}-start`) >= 5, { name: "invocations running on the executor", timeoutMs: 60_000 });
  doomed.kill("SIGKILL");
  await doomed.exited;
  h.recorder.openGate();
  await h.spawnExecutor();
  await assertNoneLost(t, h, tag, ids);
  // The runs cut short came back as "no reply" (a platform failure, not an attempt of the function).
  assert.ok(h.events.some((e) => e.msg === "async event" && e.outcome === "throttled" && (e.code === "timeout" || e.code === "no_executor")),
    "some events were offered again after the executor died");
});
