/**
 * PostgreSQL is the source of truth for EVENT_SOURCES_BUCKET: reconcile (run when an ingest
 * starts) republishes a row whose key is missing or stale, as a crash between the PostgreSQL write
 * and the KV write would leave it, and removes keys that have no row; sync follows one mapping.
 * Real NATS and PostgreSQL from the harness.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import pg from "pg";
import { EventSourceMappingView, eventSourceKeys, kvBuckets } from "@fnmesh/protocol";
import { openKvBucket } from "@fnmesh/service-kit";
import { createEventSourceMappingStore, migrate, type NewEventSourceMapping } from "@fnmesh/store";
import { createLogger } from "@fnmesh/telemetry";
import { startNats, startPostgres, type NatsServer, type PostgresServer } from "@fnmesh/test-harness";
import { createMappingViewPublisher } from "./view-publisher.ts";

const account = { region: "us-east-1", accountId: "000000000000" };
const log = createLogger({ service: "ingest", write: () => undefined });
let nats: NatsServer;
let postgres: PostgresServer;
let nc: NatsConnection;
before(async () => {
  nats = await startNats();
  postgres = await startPostgres({ migrate: async (url) => { await migrate(url); } });
  nc = await connect({ servers: nats.url, name: "event-source-views-test" });
});
after(async () => {
  await nc?.close();
  await postgres?.stop();
  await nats?.[Symbol.asyncDispose]();
});

const mapping = (functionName: string, stream: string): NewEventSourceMapping => ({
  functionName, eventSourceArn: `arn:fnmesh:jetstream:us-east-1:000000000000:stream/${stream}`, enabled: true, batchSize: 100,
  maximumBatchingWindowInSeconds: 0, startingPosition: "LATEST", functionResponseTypes: [], maximumRetryAttempts: -1,
});

test("reconcile republishes a missing key, replaces a stale one, removes one without a row, leaves the rest; sync follows a delete", async () => {
  await using db = await postgres.testDatabase();
  const pool = new pg.Pool({ connectionString: db.url });
  try {
    const kv = await openKvBucket(nc, kvBuckets.eventSources);
    const store = createEventSourceMappingStore(pool);
    const views = createMappingViewPublisher({ kv, store, account, log });
    const missing = await store.create(mapping("f", "A"));
    const stale = await store.create(mapping("f", "B"));
    const current = await store.create(mapping("g", "A"));
    await views.sync(stale.uuid);
    await views.sync(current.uuid);
    const staleUpdate = await store.update(stale.uuid, { ...mapping("f", "B"), enabled: false });
    const ghost = randomUUID();
    await kv.put(eventSourceKeys.mapping(ghost), JSON.stringify({ left: "by a crash" }));
    await kv.put("not-a-mapping", "kept");

    assert.deepEqual(await views.reconcile(), { published: 2, removed: 1, unchanged: 1 });
    const viewOf = async (uuid: string) => {
      const e = await kv.get(eventSourceKeys.mapping(uuid));
      return e?.operation === "PUT" ? EventSourceMappingView.parse(e.json()) : undefined;
    };
    assert.equal((await viewOf(missing.uuid))?.revision, missing.revision);
    assert.deepEqual([(await viewOf(stale.uuid))?.revision, (await viewOf(stale.uuid))?.state], [staleUpdate?.revision, "Disabled"]);
    assert.equal((await viewOf(current.uuid))?.revision, current.revision);
    assert.equal((await kv.get(eventSourceKeys.mapping(ghost)))?.operation, "DEL");
    assert.equal((await kv.get("not-a-mapping"))?.string(), "kept");
    assert.deepEqual(await views.reconcile(), { published: 0, removed: 0, unchanged: 3 });

    await store.delete(missing.uuid);
    await views.sync(missing.uuid);
    assert.equal(await viewOf(missing.uuid), undefined);
    await views.stop();
  } finally {
    await pool.end();
  }
});
