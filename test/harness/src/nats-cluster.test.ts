/**
 * startNats({ cluster: 3 }) against the real nats-server: the nodes route as one cluster with one
 * JetStream meta leader, a replicated stream keeps working with a node down and clients move to
 * the other nodes, a node restarts on its own port with its store and catches up, and stop()
 * leaves no process and no temp dir.
 */
import assert from "node:assert/strict";
import { existsSync, readdirSync } from "node:fs";
import { test } from "node:test";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { eventually, printLogsOnFailure, randomName, startNats, type NatsClusterNode } from "./index.ts";

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid of the node's running server, from its ports file. */
function nodePid(node: NatsClusterNode): number {
  const file = readdirSync(node.dir).find((name) => /^nats-server_\d+\.ports$/.test(name));
  assert.ok(file, `no ports file in ${node.dir}`);
  return Number(/\d+/.exec(file)?.[0]);
}

interface Jsz {
  meta_cluster?: { leader?: string; cluster_size?: number };
  account_details?: { stream_detail?: { name: string; state: { messages: number } }[] }[];
}

async function jsz(node: NatsClusterNode, query = ""): Promise<Jsz> {
  return (await (await fetch(`${node.monitorUrl}/jsz${query}`)).json()) as Jsz;
}

/** Messages in this node's own copy of `stream` (undefined if it holds none). */
async function localMessages(node: NatsClusterNode, stream: string): Promise<number | undefined> {
  const view = await jsz(node, "?accounts=true&streams=true");
  const details = (view.account_details ?? []).flatMap((account) => account.stream_detail ?? []);
  return details.find((detail) => detail.name === stream)?.state.messages;
}

test("cluster: 3 nodes, one URL listing all, one agreed meta leader; a message crosses nodes; a 3-replica stream is placed on all", async (t) => {
  await using nats = await startNats({ cluster: 3 });
  printLogsOnFailure(t, { nats });
  assert.equal(nats.nodes.length, 3);
  assert.deepEqual(nats.url.split(","), nats.nodes.map((node) => node.url));
  assert.deepEqual(nats.nodes.map((node) => node.name), ["n1", "n2", "n3"]);
  const views = await Promise.all(nats.nodes.map((node) => jsz(node)));
  const leaders = new Set(views.map((view) => view.meta_cluster?.leader));
  assert.equal(leaders.size, 1, JSON.stringify(views.map((view) => view.meta_cluster)));
  assert.ok(["n1", "n2", "n3"].includes([...leaders][0] ?? ""));
  assert.deepEqual(views.map((view) => view.meta_cluster?.cluster_size), [3, 3, 3]);

  // One client on the first node only, one on the last only: the routes carry the message.
  const [first, , last] = nats.nodes;
  assert.ok(first && last);
  await using a = await connect({ servers: first.url, ignoreClusterUpdates: true });
  await using b = await connect({ servers: last.url, ignoreClusterUpdates: true });
  const subject = `cluster.${randomName("cross")}`;
  b.subscribe(subject, { callback: (_error, msg) => { msg.respond(`from ${b.info?.server_name}`); } });
  await b.flush();
  const reply = await eventually(() => a.request(subject, "hi", { timeout: 1_000 }), { name: "request crosses the route", timeoutMs: 10_000 });
  assert.equal(reply.string(), "from n3");

  const jsm = await jetstreamManager(a);
  const stream = randomName("rthree");
  const info = await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], num_replicas: 3 });
  assert.equal(info.config.num_replicas, 3);
  const placed = [info.cluster?.leader, ...(info.cluster?.replicas ?? []).map((r) => r.name)].sort();
  assert.deepEqual(placed, ["n1", "n2", "n3"]);
});

test("cluster: with the meta leader stopped, clients move on and a 3-replica stream takes writes; restarted on its port with its store, the node catches up", async (t) => {
  await using nats = await startNats({ cluster: 3 });
  printLogsOnFailure(t, { nats });
  await using nc = await connect({ servers: nats.url.split(","), maxReconnectAttempts: -1, reconnectTimeWait: 100 });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const stream = randomName("rthree");
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], num_replicas: 3 });
  for (let i = 0; i < 5; i++) await js.publish(`${stream}.m`, `before ${i}`);

  const leaderName = (await jsz(nats.nodes[0] as NatsClusterNode)).meta_cluster?.leader;
  const node = nats.nodes.find((candidate) => candidate.name === leaderName);
  assert.ok(node, `meta leader ${leaderName} is a node`);
  const port = node.port;
  const pid = nodePid(node);
  await eventually(async () => (await localMessages(node, stream)) === 5, { name: "the node holds the first 5 messages", timeoutMs: 10_000 });
  await node.stop();
  assert.equal(node.running(), false);
  assert.equal(isAlive(pid), false, "the stopped node's process has ended");

  // Each publish is acknowledged only once a majority (2 of 3) stored it.
  for (let i = 0; i < 5; i++) {
    await eventually(() => js.publish(`${stream}.m`, `during ${i}`, { msgID: `during-${i}` }), { name: `publish ${i} with a node down`, timeoutMs: 30_000 });
  }
  assert.notEqual(nc.info?.server_name, node.name, "the client is on another node");
  assert.equal((await jsm.streams.info(stream)).state.messages, 10);

  await node.start();
  assert.equal(node.running(), true);
  assert.equal(node.port, port, "same client port after the restart");
  assert.notEqual(nodePid(node), pid);
  assert.match(node.logs(), /\[harness\] restarting/);
  // Its own copy: the 5 it kept on disk plus the 5 written while it was down.
  await eventually(async () => (await localMessages(node, stream)) === 10, { name: "the restarted node's copy has all 10", timeoutMs: 30_000 });
  await using direct = await connect({ servers: node.url, ignoreClusterUpdates: true });
  assert.equal(direct.info?.server_name, node.name);
});

test("cluster: stop() ends every node and removes the temp dir; logs stay readable", async (t) => {
  const nats = await startNats({ cluster: 3 });
  printLogsOnFailure(t, { nats });
  const pids = nats.nodes.map(nodePid);
  assert.ok(pids.every(isAlive));
  await nats.stop();
  await nats.stop(); // idempotent
  assert.deepEqual(pids.filter(isAlive), [], "nats-server processes left");
  assert.equal(existsSync(nats.dir), process.env.FNMESH_TEST_KEEP === "1");
  for (const node of nats.nodes) assert.match(nats.logs(), new RegExp(`=== ${node.name} ===\\n(?:.*\\n)*?.*Server is ready`));
});

test("cluster: sizes outside 2..9 and combinations with dir or port are refused", async () => {
  for (const cluster of [0, 1, 10, 2.5]) {
    await assert.rejects(startNats({ cluster }), /cluster must be an integer in 2\.\.9/);
  }
  await assert.rejects(startNats({ cluster: 3, port: 4222 }), /cannot be combined with dir or port/);
  await assert.rejects(startNats({ cluster: 3, dir: "/tmp/x" }), /cannot be combined with dir or port/);
});
