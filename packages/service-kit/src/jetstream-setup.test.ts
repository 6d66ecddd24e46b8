/**
 * The shared JetStream assets against real servers: with `replicas: 3` on a 3-node cluster the
 * async, dead-letter and code streams and every KV bucket protocol defines keep three copies (a
 * leader and two current followers), a stream or bucket made before the setting changed is rescaled
 * with its messages, the default is one copy, and asking a single server for three copies fails
 * naming FNMESH_JS_REPLICAS, changing nothing. A bucket opened twice is the same bucket, with the
 * definition's history and description.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { jetstream, jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";
import { ASYNC_STREAM, CODE_BUCKET, DLQ_STREAM, kvBuckets, subjects } from "@fnmesh/protocol";
import { eventually, printLogsOnFailure, startNats } from "@fnmesh/test-harness";
import { ensureAsyncStream, openCodeStore, openKvBucket } from "./jetstream-setup.ts";

/** The object store's backing stream (nats.js names it `OBJ_<bucket>`). */
const CODE_STREAM = `OBJ_${CODE_BUCKET}`;
/** The KV buckets' backing streams (`KV_<bucket>`). */
const KV_STREAMS = Object.values(kvBuckets).map((b) => `KV_${b.name}`);
const openAllBuckets = async (nc: Parameters<typeof openKvBucket>[0], replicas?: number) => {
  for (const def of Object.values(kvBuckets)) await openKvBucket(nc, def, replicas === undefined ? {} : { replicas });
};

/** Replicas configured, and the nodes holding a current copy (leader plus current followers). */
async function copies(jsm: JetStreamManager, stream: string): Promise<{ configured: number; current: string[] }> {
  const info = await jsm.streams.info(stream);
  const followers = (info.cluster?.replicas ?? []).filter((r) => r.current && r.offline !== true).map((r) => r.name);
  return { configured: info.config.num_replicas, current: [info.cluster?.leader ?? "", ...followers].filter(Boolean).sort() };
}

test("replicas: 3 on a 3-node cluster: the async, dead-letter and code streams each have a copy on every node", async (t) => {
  await using nats = await startNats({ cluster: 3 });
  printLogsOnFailure(t, { nats });
  await using nc = await connect({ servers: nats.url.split(",") });
  await ensureAsyncStream(nc, { replicas: 3 });
  await openCodeStore(nc, { replicas: 3 });
  await openAllBuckets(nc, 3);
  const jsm = await jetstreamManager(nc);
  for (const stream of [ASYNC_STREAM, DLQ_STREAM, CODE_STREAM, ...KV_STREAMS]) {
    const seen = await eventually(async () => {
      const c = await copies(jsm, stream);
      assert.equal(c.current.length, 3, JSON.stringify(c));
      return c;
    }, { name: `${stream} has 3 current copies`, timeoutMs: 30_000 });
    assert.deepEqual(seen, { configured: 3, current: ["n1", "n2", "n3"] }, stream);
  }
});

test("streams made with 1 replica are rescaled to 3 when the setting says 3, keeping their messages", async (t) => {
  await using nats = await startNats({ cluster: 3 });
  printLogsOnFailure(t, { nats });
  await using nc = await connect({ servers: nats.url.split(",") });
  const jsm = await jetstreamManager(nc);
  await ensureAsyncStream(nc);
  await openCodeStore(nc);
  await openAllBuckets(nc);
  for (const stream of [ASYNC_STREAM, DLQ_STREAM, CODE_STREAM, ...KV_STREAMS]) assert.equal((await copies(jsm, stream)).configured, 1, stream);
  await jetstream(nc).publish(subjects.async("rescaled"), "event", { msgID: "before-rescale" });
  await (await openKvBucket(nc, kvBuckets.functions)).put("kept", "view");

  await ensureAsyncStream(nc, { replicas: 3 });
  await openCodeStore(nc, { replicas: 3 });
  await ensureAsyncStream(nc, { replicas: 3 });
  await openAllBuckets(nc, 3);
  for (const stream of [ASYNC_STREAM, DLQ_STREAM, CODE_STREAM, ...KV_STREAMS]) {
    await eventually(async () => {
      const c = await copies(jsm, stream);
      assert.deepEqual(c, { configured: 3, current: ["n1", "n2", "n3"] });
    }, { name: `${stream} rescaled to 3 current copies`, timeoutMs: 30_000 });
  }
  // The stream's leader may move while it rescales; the message must be there once one answers.
  const kept = await eventually(() => jsm.streams.getMessage(ASYNC_STREAM, { last_by_subj: subjects.async("rescaled") }),
    { name: "the message published before the rescale is read back", timeoutMs: 30_000 });
  assert.equal(kept?.string(), "event");
  const view = await eventually(async () => (await openKvBucket(nc, kvBuckets.functions, { replicas: 3 })).get("kept"),
    { name: "the KV entry written before the rescale is read back", timeoutMs: 30_000 });
  assert.equal(view?.string(), "view");
});

test("by default one replica; on a single server 3 replicas fail with an error naming FNMESH_JS_REPLICAS", async (t) => {
  await using nats = await startNats();
  printLogsOnFailure(t, { nats });
  await using nc = await connect({ servers: nats.url });
  const jsm = await ensureAsyncStream(nc);
  await openCodeStore(nc);
  await openAllBuckets(nc);
  for (const stream of [ASYNC_STREAM, DLQ_STREAM, CODE_STREAM, ...KV_STREAMS]) assert.equal((await jsm.streams.info(stream)).config.num_replicas, 1, stream);
  for (const setup of [() => ensureAsyncStream(nc, { replicas: 3 }), () => openCodeStore(nc, { replicas: 3 }), () => openKvBucket(nc, kvBuckets.schedules, { replicas: 3 })]) {
    await assert.rejects(setup(), (err: Error) => {
      assert.match(err.message, /FNMESH_JS_REPLICAS/);
      assert.match(err.message, /not part of a cluster/);
      return true;
    });
  }
  // Nothing was changed on the way.
  for (const stream of [ASYNC_STREAM, DLQ_STREAM, CODE_STREAM, ...KV_STREAMS]) assert.equal((await jsm.streams.info(stream)).config.num_replicas, 1, stream);
  // The definition's options, and a second open is the same bucket.
  const first = await openKvBucket(nc, kvBuckets.scheduler);
  await first.put("lease", "x");
  const again = await openKvBucket(nc, kvBuckets.scheduler);
  assert.equal((await again.get("lease"))?.string(), "x");
  const status = await again.status();
  assert.deepEqual([status.history, status.description], [kvBuckets.scheduler.history, kvBuckets.scheduler.description]);
});
