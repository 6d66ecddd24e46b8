/**
 * The trigger's Postgres feed entry points against real PostgreSQL and nats-server: an Enabled
 * mapping view's table changes reach FNMESH_CHANGES on its subject; a deleted mapping's slot and
 * publication are dropped; a view naming an undefined source is refused by name.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";
import pg from "pg";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { CHANGES_STREAM, DLQ_STREAM, PostgresChangeRecord, subjects, type EventSourceMappingView } from "@fnmesh/protocol";
import { parsePgSources, slotName } from "@fnmesh/pg-change-feed";
import { eventually, printLogsOnFailure, startNats, startPostgres } from "@fnmesh/test-harness";
import { cleanupPostgresFeed, enforcePostgresSlotLag, startPostgresFeed } from "./postgres-feed.ts";
import { ensureAsyncStream } from "@fnmesh/service-kit";

async function sql(url: string, text: string): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try { return await client.query(text); } finally { await client.end().catch(() => {}); }
}

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

const view = (uuid: string, source = "dev"): EventSourceMappingView => ({
  v: 1, uuid, functionName: "on-order", eventSourceArn: `arn:fnmesh:postgres:local:000000000000:table/${source}/public.orders`,
  source: { kind: "postgres", source, schema: "public", table: "orders" }, state: "Enabled", batchSize: 100,
  maximumBatchingWindowInSeconds: 0, startingPosition: "LATEST", functionResponseTypes: [], maximumRetryAttempts: -1,
  revision: "1", lastModified: Date.now(),
});

test("an Enabled postgres mapping's row changes reach FNMESH_CHANGES on fnmesh.changes.<uuid>; disabled, the lag policy skips it past the limit with a dead letter; its cleanup drops slot and publication", async (t) => {
  await using nats = await startNats();
  await using pgs = await startPostgres();
  printLogsOnFailure(t, { nats, pg: pgs });
  await using db = await pgs.testDatabase();
  await using nc = await connect({ servers: nats.url });
  await sql(db.url, "CREATE TABLE orders (id int4 PRIMARY KEY, status text)");
  const sources = parsePgSources(`dev=${db.url}`);
  const mapping = view(randomUUID());
  const feed = await startPostgresFeed({ nc, sources, log: quiet }, mapping);
  await using _cleanup = { async [Symbol.asyncDispose]() { await feed.stop(); await cleanupPostgresFeed({ sources }, mapping); } };
  await eventually(async () => (await sql(db.url, `SELECT 1 FROM pg_replication_slots WHERE slot_name = '${slotName(mapping.uuid)}' AND active`)).rowCount === 1,
    { name: "slot streamed", timeoutMs: 30_000 });
  await sql(db.url, "INSERT INTO orders VALUES (1, 'new'); UPDATE orders SET status = 'paid' WHERE id = 1");
  const jsm = await jetstreamManager(nc);
  await eventually(async () => (await jsm.streams.info(CHANGES_STREAM)).state.messages === 2, { name: "2 changes stored", timeoutMs: 30_000 });
  const first = await jsm.streams.getMessage(CHANGES_STREAM, { seq: 1 });
  const second = await jsm.streams.getMessage(CHANGES_STREAM, { seq: 2 });
  assert.equal(first?.subject, subjects.changes(mapping.uuid));
  const [a, b] = [PostgresChangeRecord.parse(first?.json()), PostgresChangeRecord.parse(second?.json())];
  assert.deepEqual([a.eventName, a.dynamodb.NewImage], ["INSERT", { id: 1, status: "new" }]);
  assert.deepEqual([b.eventName, b.dynamodb.NewImage], ["MODIFY", { id: 1, status: "paid" }]);
  assert.equal(a.eventSourceARN, mapping.eventSourceArn);

  // Disabled: nobody reads the slot; past the limit the policy dead-letters the range and skips it.
  await feed.stop();
  await ensureAsyncStream(nc);
  await sql(db.url, "INSERT INTO orders SELECT g, 'bulk' FROM generate_series(2, 500) g");
  await eventually(async () => (await sql(db.url, "SELECT pg_current_wal_flush_lsn() >= pg_current_wal_lsn() AS f")).rows[0].f === true, { name: "WAL flushed" });
  const guard = await enforcePostgresSlotLag({ nc, sources, log: quiet, maxSlotLagBytes: 1024 }, mapping);
  assert.ok(guard.skipped && (guard.lagBytes ?? 0) > 1024, `skipped at ${guard.lagBytes} bytes`);
  assert.equal((await jsm.streams.info(DLQ_STREAM)).state.messages, 1, "the skipped range is dead-lettered");

  await cleanupPostgresFeed({ sources }, mapping);
  assert.equal((await sql(db.url, `SELECT 1 FROM pg_replication_slots WHERE slot_name = '${slotName(mapping.uuid)}'`)).rowCount, 0);
  assert.equal((await sql(db.url, `SELECT 1 FROM pg_publication WHERE pubname = '${slotName(mapping.uuid)}'`)).rowCount, 0);
});

test("a mapping naming a source FNMESH_PG_SOURCES does not define is refused with the defined names", async () => {
  await using nats = await startNats();
  await using nc = await connect({ servers: nats.url });
  const sources = parsePgSources("dev=postgres://u:secret@127.0.0.1:1/app");
  await assert.rejects(startPostgresFeed({ nc, sources, log: quiet }, view(randomUUID(), "other")),
    (err: Error) => /source "other", which FNMESH_PG_SOURCES does not define \(defined: dev\)/.test(err.message) && !err.message.includes("secret"));
});
