/**
 * The mapping watcher and the runner manager on a real nats-server: views written to
 * EVENT_SOURCES_BUCKET as ingest writes them start, restart, stop and clean up runners of a source
 * kind plugged in here (a recording SourceKind: the manager's own interface, not a stand-in for a
 * dependency). Invalid views are logged and ignored without stopping the watch; a kind nobody
 * plugged in is logged once; a runner that fails to start is started again.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { after, before, test } from "node:test";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import { kvBuckets, type EventSourceMappingView } from "@fnmesh/protocol";
import { openKvBucket } from "@fnmesh/service-kit";
import { createLogger } from "@fnmesh/telemetry";
import { eventually, startNats, type NatsServer } from "@fnmesh/test-harness";
import { startMappingWatcher, type MappingWatcher } from "../src/mapping-watcher.ts";
import { createRunnerManager, type RunnerManager, type SourceKinds } from "../src/runners.ts";

let nats: NatsServer;
let nc: NatsConnection;
let kv: KV;
let watcher: MappingWatcher;
let manager: RunnerManager;
const logs: { level: string; msg: string; [k: string]: unknown }[] = [];
/** What the recording kind saw: "start <uuid> <revision>", "stop <uuid>", "cleanup <uuid>". */
const events: string[] = [];
/** UUIDs whose start fails this many more times. */
const failStarts = new Map<string, number>();

const kinds: SourceKinds = {
  jetstream: {
    async start(view) {
      const left = failStarts.get(view.uuid) ?? 0;
      if (left > 0) { failStarts.set(view.uuid, left - 1); events.push(`failed ${view.uuid}`); throw new Error("stream not there yet"); }
      events.push(`start ${view.uuid} ${view.revision}`);
      return { async stop() { events.push(`stop ${view.uuid}`); } };
    },
    async cleanup(view) { events.push(`cleanup ${view.uuid}`); },
  },
};

function view(over: Partial<EventSourceMappingView> = {}): EventSourceMappingView {
  return {
    v: 1, uuid: randomUUID(), functionName: "fn", eventSourceArn: "arn:fnmesh:jetstream:us-east-1:000000000000:stream/S",
    source: { kind: "jetstream", stream: "S" }, state: "Enabled", batchSize: 10, maximumBatchingWindowInSeconds: 0,
    startingPosition: "TRIM_HORIZON", functionResponseTypes: [], maximumRetryAttempts: -1, revision: randomUUID(), lastModified: Date.now(),
    ...over,
  };
}
const put = (v: EventSourceMappingView) => kv.put(v.uuid, JSON.stringify(v));
const of = (uuid: string) => events.filter((e) => e.includes(uuid));

before(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
  kv = await openKvBucket(nc, kvBuckets.eventSources);
});

after(async () => {
  await watcher?.stop();
  await manager?.stop();
  await nc?.close();
  await nats?.stop();
});

test("views in the bucket before the start are running once the watcher is ready; invalid ones are logged and ignored", async () => {
  const early = view();
  await put(early);
  await kv.put(randomUUID(), "{ not json");
  const wrongShape = randomUUID();
  await kv.put(wrongShape, JSON.stringify({ v: 1, uuid: wrongShape, state: "Enabled" }));
  const log = createLogger({ service: "trigger", write: (line) => { logs.push(JSON.parse(line) as (typeof logs)[number]); } });
  manager = createRunnerManager({ kinds, log, restartBaseMs: 50 });
  watcher = await startMappingWatcher({ nc, log, listener: manager });
  await watcher.ready;
  assert.ok(watcher.table.get(early.uuid), "the early view is in the table at ready");
  await manager.settled();
  assert.deepEqual(of(early.uuid), [`start ${early.uuid} ${early.revision}`]);
  assert.equal(logs.filter((l) => l.msg === "ignoring an invalid event source mapping view").length, 2);
  assert.equal(watcher.table.get(wrongShape), undefined);

  // The watch goes on after them.
  const later = view();
  await put(later);
  await eventually(() => of(later.uuid).length === 1, { name: "a later view started" });
});

test("a new revision with the same settings keeps the runner; other settings restart it; Disabled stops it without cleanup; Enabled starts it again; delete stops and cleans up", async () => {
  const v1 = view();
  await put(v1);
  await eventually(() => of(v1.uuid).length === 1, { name: "started" });

  const v2 = { ...v1, revision: randomUUID(), lastModified: v1.lastModified + 1 };
  await put(v2);
  await eventually(() => watcher.table.get(v1.uuid)?.revision === v2.revision, { name: "v2 seen" });
  await manager.settled();
  assert.deepEqual(of(v1.uuid), [`start ${v1.uuid} ${v1.revision}`], "bookkeeping only: the runner stays");

  const v3 = { ...v2, revision: randomUUID(), batchSize: 50 };
  await put(v3);
  await eventually(() => of(v1.uuid).length === 3, { name: "restarted" });
  assert.deepEqual(of(v1.uuid).slice(1), [`stop ${v1.uuid}`, `start ${v1.uuid} ${v3.revision}`]);

  const v4 = { ...v3, revision: randomUUID(), state: "Disabled" as const };
  await put(v4);
  await eventually(() => of(v1.uuid).length === 4, { name: "stopped" });
  assert.equal(of(v1.uuid)[3], `stop ${v1.uuid}`);
  assert.ok(!manager.running().includes(v1.uuid));

  const v5 = { ...v4, revision: randomUUID(), state: "Enabled" as const };
  await put(v5);
  await eventually(() => of(v1.uuid).length === 5, { name: "started again" });
  assert.equal(of(v1.uuid)[4], `start ${v1.uuid} ${v5.revision}`);

  await kv.delete(v1.uuid);
  await eventually(() => of(v1.uuid).length === 7, { name: "stopped and cleaned up" });
  assert.deepEqual(of(v1.uuid).slice(5), [`stop ${v1.uuid}`, `cleanup ${v1.uuid}`]);
  assert.equal(watcher.table.get(v1.uuid), undefined);
  assert.ok(!manager.running().includes(v1.uuid));
});

test("a disabled mapping deleted is cleaned up too, with nothing to stop", async () => {
  const v = view({ state: "Disabled" });
  await put(v);
  await eventually(() => watcher.table.get(v.uuid) !== undefined, { name: "seen" });
  await kv.delete(v.uuid);
  await eventually(() => of(v.uuid).length === 1, { name: "cleaned up" });
  assert.deepEqual(of(v.uuid), [`cleanup ${v.uuid}`]);
});

test("a runner that fails to start is started again while the mapping still wants it", async () => {
  const v = view();
  failStarts.set(v.uuid, 2);
  await put(v);
  await eventually(() => of(v.uuid).includes(`start ${v.uuid} ${v.revision}`), { name: "started after two failures" });
  assert.deepEqual(of(v.uuid), [`failed ${v.uuid}`, `failed ${v.uuid}`, `start ${v.uuid} ${v.revision}`]);
  assert.ok(manager.running().includes(v.uuid));
});

test("a kind nobody plugged in is logged once, however many mappings use it", async () => {
  const a = view({ source: { kind: "s3", bucket: "images" }, eventSourceArn: "arn:aws:s3:::images" });
  const b = view({ source: { kind: "s3", bucket: "docs" }, eventSourceArn: "arn:aws:s3:::docs" });
  await put(a);
  await put(b);
  await eventually(() => watcher.table.byBucket("docs").length === 1 && watcher.table.byBucket("images").length === 1, { name: "both seen" });
  await manager.settled();
  assert.equal(logs.filter((l) => l.msg.startsWith("no runner for this event source kind") && l.kind === "s3").length, 1);
  assert.ok(!manager.running().includes(a.uuid) && !manager.running().includes(b.uuid));
  assert.equal(watcher.table.byKind("s3").length, 2);
});
