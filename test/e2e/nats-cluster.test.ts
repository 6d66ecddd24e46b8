/**
 * The whole mesh on a 3-node JetStream cluster with FNMESH_JS_REPLICAS=3 (issue 14, item 8): a
 * burst of `Event` invokes through the SDK while one NATS node is stopped and started again, and
 * every invocation that got its 202 runs. Counted outside NATS: the function reports each event id
 * to an HTTP recorder in this process (a NATS-carried log line could be lost with the node, which
 * would say nothing about the events). Nothing waits on time: the node is stopped when the burst
 * reaches it, restarted once events were accepted with it down, and the end is "every accepted id
 * recorded and the work queue empty".
 *
 * Lambda documents at-least-once for asynchronous invocation ("your function might receive the same
 * event multiple times", Developer Guide, "How Lambda handles errors and retries with asynchronous
 * invocation"), so duplicates are allowed and counted; losses are not.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { CreateFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { jetstreamManager } from "@nats-io/jetstream";
import { ASYNC_CONSUMER, ASYNC_STREAM } from "@fnmesh/protocol";
import { eventually, randomName, startNats, type NatsCluster, type NatsClusterNode } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const EVENTS = 300;
const IN_FLIGHT = 16;
/** Generous: a loaded 2-core machine running three servers, the mesh and 300 isolate runs. */
const DRAIN_TIMEOUT_MS = 240_000;

let nats: NatsCluster;
let stack: Stack;
let recorder: Server;
/** Runs reported by the function: event id -> times it ran. */
const ran = new Map<string, number>();

before(async () => {
  recorder = createServer((req, res) => {
    const id = new URL(req.url ?? "/", "http://recorder").searchParams.get("id") ?? "";
    ran.set(id, (ran.get(id) ?? 0) + 1);
    res.end("ok");
  });
  recorder.listen(0, "127.0.0.1");
  await once(recorder, "listening");
  nats = await startNats({ cluster: 3 });
  stack = await startStack({
    nats,
    env: { FNMESH_JS_REPLICAS: "3" },
    // A delivery lost with a node comes back after the scheduler consumer's ack wait: a short one keeps the test short.
    // A run that could not reach the recorder fails and is retried: after 200 ms, not Lambda's minute.
    schedulerEnv: { FNMESH_SCHEDULER_ACK_WAIT_MS: "5000", FNMESH_ASYNC_RETRY_BASE_MS: "200" },
    executorEnv: { FNMESH_EGRESS_ALLOW: `127.0.0.1:${(recorder.address() as AddressInfo).port}` },
  });
});

after(async () => {
  await stack?.[Symbol.asyncDispose]();
  await nats?.stop();
  recorder?.closeAllConnections();
  recorder?.close();
});

/** A function that reports its event's id to the recorder and fails (so it is retried) if it cannot. */
async function createRecordingFunction(): Promise<string> {
  const port = (recorder.address() as AddressInfo).port;
  const name = randomName("burst").replace(/_/g, "-");
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test", Handler: "index.handler",
    Code: { ZipFile: zipOf({ "index.mjs": `export const handler = async (event) => {
      const res = await fetch("http://127.0.0.1:${port}/ran?id=" + encodeURIComponent(event.id));
      if (!res.ok) throw new Error("recorder answered " + res.status);
      return event.id;
    };` }) },
  }));
  return name;
}

/** Cluster info of the async stream and its consumer, asked again if a leader change drops a request. */
async function asyncLeaders(): Promise<{ stream: string; consumer: string; replicas: number }> {
  const jsm = await jetstreamManager(stack.nc);
  return eventually(async () => {
    const stream = await jsm.streams.info(ASYNC_STREAM);
    const consumer = await jsm.consumers.info(ASYNC_STREAM, ASYNC_CONSUMER);
    assert.ok(stream.cluster?.leader && consumer.cluster?.leader, "stream and consumer have leaders");
    return { stream: stream.cluster.leader, consumer: consumer.cluster.leader, replicas: stream.config.num_replicas };
  }, { name: "async stream and consumer leaders", timeoutMs: 60_000 });
}

interface BurstResult {
  accepted: string[];
  refused: string[];
  acceptedWhileDown: number;
}

/**
 * Sends EVENTS Event invokes, IN_FLIGHT at a time. When the burst reaches a third, `node` is stopped
 * (the invokes already in flight and the ones after it meet a cluster losing a node); when it
 * reaches two thirds, once at least one event was accepted with the node down, the node is started
 * again, while the rest keep going.
 */
async function burst(name: string, node: NatsClusterNode, tag: string): Promise<BurstResult> {
  const accepted: string[] = [];
  const refused: string[] = [];
  const reasons = new Map<string, number>();
  let down = false;
  let acceptedWhileDown = 0;
  let next = 0;
  const sendOne = async (i: number): Promise<void> => {
    if (i === Math.floor(EVENTS / 3)) {
      if (process.env.FNMESH_TEST_DEBUG === "1") {
        const connz = (await (await fetch(`${node.monitorUrl}/connz`)).json()) as { connections?: { name?: string }[] };
        process.stderr.write(`${tag}: stopping ${node.name}, which holds connections ${JSON.stringify((connz.connections ?? []).map((c) => c.name))}\n`);
      }
      await node.stop();
      down = true;
    }
    if (i === Math.floor((2 * EVENTS) / 3)) {
      await eventually(() => acceptedWhileDown > 0, { name: `an event accepted with ${node.name} down`, timeoutMs: 120_000 });
      down = false;
      await node.start();
    }
    const id = `${tag}-${i}`;
    const wasDown = down;
    const out = await stack.lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: JSON.stringify({ id }) }))
      .catch((err: unknown) => {
        // Not accepted (e.g. a 503 while JetStream could not store it): the caller was told, nothing is promised.
        const reason = err instanceof Error ? err.name : String(err);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        return undefined;
      });
    if (out === undefined) return void refused.push(id);
    assert.equal(out.StatusCode, 202, `Event invoke ${id}`);
    accepted.push(id);
    if (wasDown && down) acceptedWhileDown++;
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    for (let i = next++; i < EVENTS; i = next++) await sendOne(i);
  }));
  if (process.env.FNMESH_TEST_DEBUG === "1") {
    process.stderr.write(`${tag}: ${accepted.length} accepted (${acceptedWhileDown} with ${node.name} down), refused: ${JSON.stringify(Object.fromEntries(reasons))}\n`);
  }
  return { accepted, refused, acceptedWhileDown };
}

/** Every accepted id ran at least once, nothing ran that was never sent, and the work queue is empty. */
async function assertNoneLost(tag: string, result: BurstResult): Promise<void> {
  const jsm = await jetstreamManager(stack.nc);
  const missing = await eventually(async () => {
    const notRun = result.accepted.filter((id) => !ran.has(id));
    assert.equal(notRun.length, 0, `${notRun.length} accepted events not run yet, e.g. ${notRun.slice(0, 5).join(", ")}`);
    const stream = await jsm.streams.info(ASYNC_STREAM);
    const consumer = await jsm.consumers.info(ASYNC_STREAM, ASYNC_CONSUMER);
    assert.deepEqual([stream.state.messages, consumer.num_pending, consumer.num_ack_pending], [0, 0, 0], "the work queue is drained");
    return notRun;
  }, { name: `every accepted ${tag} event ran and the queue drained`, timeoutMs: DRAIN_TIMEOUT_MS });
  assert.deepEqual(missing, []);
  const sent = new Set([...result.accepted, ...result.refused]);
  const runs = [...ran.entries()].filter(([id]) => id.startsWith(`${tag}-`));
  assert.deepEqual(runs.filter(([id]) => !sent.has(id)), [], "only events that were sent ran");
  assert.equal(sent.size, EVENTS);
  // Accepted events all ran; refused ones may or may not have (the store can succeed after the caller gave up).
  assert.ok(runs.length >= result.accepted.length, `${runs.length} distinct events ran, ${result.accepted.length} accepted`);
}

test("FNMESH_JS_REPLICAS=3 on a 3-node cluster: an Event burst with a follower node stopped and restarted loses no accepted event", async () => {
  const leaders = await asyncLeaders();
  assert.equal(leaders.replicas, 3);
  const name = await createRecordingFunction();
  // Neither the stream's nor its consumer's leader: the quietest failure, a copy going away.
  const node = nats.nodes.find((n) => n.name !== leaders.stream && n.name !== leaders.consumer);
  assert.ok(node, `a node that leads neither (stream ${leaders.stream}, consumer ${leaders.consumer})`);
  const tag = randomName("follower");
  const result = await burst(name, node, tag);
  assert.ok(result.acceptedWhileDown > 0);
  assert.ok(result.accepted.length > 0);
  await assertNoneLost(tag, result);
});

test("FNMESH_JS_REPLICAS=3 on a 3-node cluster: an Event burst with the async stream's leader stopped and restarted loses no accepted event", async () => {
  const leaders = await asyncLeaders();
  assert.equal(leaders.replicas, 3);
  const name = await createRecordingFunction();
  const node = nats.nodes.find((n) => n.name === leaders.stream);
  assert.ok(node, `the stream leader ${leaders.stream} is a node`);
  const tag = randomName("leader");
  const result = await burst(name, node, tag);
  assert.ok(result.acceptedWhileDown > 0);
  await assertNoneLost(tag, result);
});
