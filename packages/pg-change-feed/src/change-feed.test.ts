/**
 * The change feed against a real PostgreSQL (wal_level=logical) and nats-server: changes arrive in
 * FNMESH_CHANGES in commit order with typed rows, as REPLICA IDENTITY gives them; TRUNCATE; slot and
 * publication lifecycle; slot lag and its policy.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { DLQ_STREAM, DeadLetterReason, Header, subjects, type PostgresChangeRecord } from "@fnmesh/protocol";
import { ensureAsyncStream } from "@fnmesh/service-kit";
import { eventually, printLogsOnFailure, startNats, startPostgres } from "@fnmesh/test-harness";
import { parseLsn } from "./lsn.ts";
import { publicationName, slotName } from "./names.ts";
import { dropChangeFeed, ensureChangeFeed, slotLagBytes } from "./slot-admin.ts";
import { enforceSlotLagLimit } from "./slot-lag-guard.ts";
import { arnFor, memoryLog, newMappingUuid, sql, feedCleanup, startPublishingFeed, waitForChanges } from "./test/support.ts";

const COLUMNS = `id bigserial PRIMARY KEY, n int4, small int2, big int8, price numeric(30,10), ratio float8, ok bool,
  doc jsonb, raw json, bin bytea, at timestamptz, local_at timestamp, day date, tags text[], nums int4[], note text, u uuid`;

test("insert, update and delete arrive in commit order with typed rows; REPLICA IDENTITY DEFAULT gives keys as the old row", async (t) => {
  await using nats = await startNats();
  await using pgs = await startPostgres();
  printLogsOnFailure(t, { nats, pg: pgs });
  await using db = await pgs.testDatabase();
  await using nc = await connect({ servers: nats.url });
  await sql(db.url, `CREATE TABLE orders (${COLUMNS})`);
  const mappingUuid = newMappingUuid();
  const log = memoryLog();
  const feed = await startPublishingFeed(nc, { connectionString: db.url, mappingUuid, schema: "public", table: "orders", eventSourceArn: arnFor("orders"), log });
  await using _cleanup = feedCleanup({ connectionString: db.url, mappingUuid }, feed);
  await eventually(() => feed.streaming(), { name: "feed streaming", timeoutMs: 30_000 });

  await sql(db.url, `INSERT INTO orders (n, small, big, price, ratio, ok, doc, raw, bin, at, local_at, day, tags, nums, note, u) VALUES
    (1, 2, 9007199254740993, 12345678901234567890.0123456789, 0.5, true, '{"a":{"b":[1,2]}}', '[1,"x"]', '\\x00ff', '2026-12-05 07:56:21.123456+02',
     '2026-12-05 07:56:21.5', '2026-12-05', '{a,"b c",NULL}', '{1,2,3}', 'hello', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11')`);
  await sql(db.url, "INSERT INTO orders (n) VALUES (2)");
  await sql(db.url, "BEGIN; UPDATE orders SET note = 'changed', ok = false WHERE id = 1; UPDATE orders SET id = 20 WHERE id = 2; COMMIT");
  await sql(db.url, "DELETE FROM orders WHERE id = 1");

  const records = await waitForChanges(nc, mappingUuid, 5);
  assert.deepEqual(records.map((r) => [r.eventName, r.dynamodb.Keys]), [
    ["INSERT", { id: "1" }], ["INSERT", { id: "2" }], ["MODIFY", { id: "1" }], ["MODIFY", { id: "20" }], ["REMOVE", { id: "1" }],
  ]);
  const [insert, , modify, keyChange, remove] = records as [typeof records[0], unknown, typeof records[0], typeof records[0], typeof records[0]];
  assert.deepEqual(insert.dynamodb.NewImage, {
    id: "1", n: 1, small: 2, big: "9007199254740993", price: "12345678901234567890.0123456789", ratio: 0.5, ok: true,
    doc: { a: { b: [1, 2] } }, raw: [1, "x"], bin: Buffer.from([0, 255]).toString("base64"), at: "2026-12-05T05:56:21.123456Z",
    local_at: "2026-12-05T07:56:21.5", day: "2026-12-05", tags: ["a", "b c", null], nums: [1, 2, 3], note: "hello",
    u: "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
  });
  assert.equal(insert.dynamodb.OldImage, undefined);
  assert.equal(insert.eventSource, "fnmesh:postgres");
  assert.equal(insert.eventSourceARN, arnFor("orders"));
  assert.equal(insert.awsRegion, "local");
  assert.equal(insert.dynamodb.StreamViewType, "NEW_IMAGE");
  assert.deepEqual([insert.postgres.schema, insert.postgres.table, insert.postgres.replicaIdentity], ["public", "orders", "default"]);
  assert.match(insert.postgres.commitTime, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  assert.match(insert.postgres.commitLsn, /^[0-9A-F]+\/[0-9A-F]+$/);
  assert.equal(insert.eventID, `${insert.postgres.commitLsn}:0`);

  assert.equal(modify.dynamodb.NewImage?.note, "changed");
  assert.equal(modify.dynamodb.NewImage?.ok, false);
  assert.equal(modify.dynamodb.OldImage, undefined, "DEFAULT logs no old row when the key did not change");
  assert.equal(keyChange.dynamodb.NewImage?.id, "20");
  assert.deepEqual(keyChange.dynamodb.OldImage, { id: "2" }, "a changed key logs the old key");
  assert.equal(modify.postgres.commitLsn, keyChange.postgres.commitLsn, "one transaction");
  assert.deepEqual([modify.eventID.split(":")[1], keyChange.eventID.split(":")[1]], ["0", "1"]);
  assert.deepEqual(remove.dynamodb.OldImage, { id: "1" }, "DEFAULT gives only the key of a deleted row");
  assert.equal(remove.dynamodb.NewImage, undefined);

  const sequence = records.map((r) => r.dynamodb.SequenceNumber);
  assert.deepEqual(sequence, [...sequence].sort(), "SequenceNumber follows commit order");
  assert.deepEqual(records.map((r) => r.eventID), [...new Set(records.map((r) => r.eventID))], "eventIDs are unique");

  // Everything is delivered, so the slot is confirmed past it (position sent as the transaction's end).
  await eventually(async () => ((await slotLagBytes({ connectionString: db.url, mappingUuid })) ?? Infinity) < 1024 * 1024, { name: "slot confirmed" });
});

test("REPLICA IDENTITY FULL gives whole old rows; an unchanged TOAST value is filled from the old row, else listed as unchanged", async (t) => {
  await using nats = await startNats();
  await using pgs = await startPostgres();
  printLogsOnFailure(t, { nats, pg: pgs });
  await using db = await pgs.testDatabase();
  await using nc = await connect({ servers: nats.url });
  await sql(db.url, "CREATE TABLE docs (id int4 PRIMARY KEY, title text, body text); ALTER TABLE docs ALTER COLUMN body SET STORAGE EXTERNAL");
  await sql(db.url, "CREATE TABLE notes (id int4 PRIMARY KEY, title text, body text); ALTER TABLE notes ALTER COLUMN body SET STORAGE EXTERNAL");
  await sql(db.url, "ALTER TABLE docs REPLICA IDENTITY FULL");
  const big = "x".repeat(10_000);
  const feeds = [];
  await using cleanups = { feeds: [] as { stop(): Promise<void> }[], async [Symbol.asyncDispose]() { for (const f of this.feeds) await f.stop(); } };
  for (const table of ["docs", "notes"]) {
    const mappingUuid = newMappingUuid();
    const feed = await startPublishingFeed(nc, { connectionString: db.url, mappingUuid, schema: "public", table, eventSourceArn: arnFor(table), log: memoryLog() });
    const cleanup = feedCleanup({ connectionString: db.url, mappingUuid }, feed);
    cleanups.feeds.push({ stop: async () => { await cleanup[Symbol.asyncDispose](); } });
    await eventually(() => feed.streaming(), { name: `${table} feed streaming`, timeoutMs: 30_000 });
    feeds.push({ table, mappingUuid });
  }
  for (const { table } of feeds) {
    await sql(db.url, `INSERT INTO ${table} VALUES (1, 'a', $1)`, [big]);
    await sql(db.url, `UPDATE ${table} SET title = 'b' WHERE id = 1`);
    await sql(db.url, `DELETE FROM ${table} WHERE id = 1`);
  }
  const [full, plain] = await Promise.all(feeds.map(({ mappingUuid }) => waitForChanges(nc, mappingUuid, 3)));
  assert.ok(full && plain);
  assert.deepEqual(full.map((r) => r.eventName), ["INSERT", "MODIFY", "REMOVE"]);
  const [, fullModify, fullRemove] = full as [unknown, typeof full[0], typeof full[0]];
  assert.equal(fullModify.dynamodb.StreamViewType, "NEW_AND_OLD_IMAGES");
  assert.deepEqual(fullModify.dynamodb.OldImage, { id: 1, title: "a", body: big });
  assert.deepEqual(fullModify.dynamodb.NewImage, { id: 1, title: "b", body: big }, "the unchanged TOAST value comes from the old row");
  assert.equal(fullModify.postgres.unchangedToastColumns, undefined);
  assert.deepEqual(fullRemove.dynamodb.OldImage, { id: 1, title: "b", body: big });
  assert.equal(fullRemove.postgres.replicaIdentity, "full");

  const [, plainModify] = plain as [unknown, typeof plain[0]];
  assert.deepEqual(plainModify.dynamodb.NewImage, { id: 1, title: "b" }, "PostgreSQL did not send the unchanged TOAST value");
  assert.deepEqual(plainModify.postgres.unchangedToastColumns, ["body"]);
  assert.equal(plainModify.dynamodb.OldImage, undefined);
});

test("TRUNCATE arrives as one TRUNCATE record with its options, after the rows before it", async (t) => {
  await using nats = await startNats();
  await using pgs = await startPostgres();
  printLogsOnFailure(t, { nats, pg: pgs });
  await using db = await pgs.testDatabase();
  await using nc = await connect({ servers: nats.url });
  await sql(db.url, "CREATE TABLE events (id serial PRIMARY KEY, v text)");
  const mappingUuid = newMappingUuid();
  const feed = await startPublishingFeed(nc, { connectionString: db.url, mappingUuid, schema: "public", table: "events", eventSourceArn: arnFor("events"), log: memoryLog() });
  await using _cleanup = feedCleanup({ connectionString: db.url, mappingUuid }, feed);
  await eventually(() => feed.streaming(), { name: "feed streaming", timeoutMs: 30_000 });
  await sql(db.url, "INSERT INTO events (v) VALUES ('a'), ('b')");
  await sql(db.url, "TRUNCATE events RESTART IDENTITY");
  const records = await waitForChanges(nc, mappingUuid, 3);
  assert.deepEqual(records.map((r) => r.eventName), ["INSERT", "INSERT", "TRUNCATE"]);
  const truncate = records[2];
  assert.deepEqual(truncate?.postgres.truncate, { cascade: false, restartIdentity: true });
  assert.equal(truncate?.dynamodb.Keys, undefined);
  assert.equal(truncate?.postgres.table, "events");
});

test("ensureChangeFeed is idempotent and warns about a table without replica identity; dropChangeFeed removes slot and publication even while streamed", async (t) => {
  await using nats = await startNats();
  await using pgs = await startPostgres();
  printLogsOnFailure(t, { nats, pg: pgs });
  await using db = await pgs.testDatabase();
  await using nc = await connect({ servers: nats.url });
  await sql(db.url, "CREATE TABLE keyless (v text)");
  const mappingUuid = newMappingUuid();
  const target = { connectionString: db.url, mappingUuid, schema: "public", table: "keyless" };
  const first = await ensureChangeFeed(target);
  const again = await ensureChangeFeed(target);
  assert.deepEqual([first.createdPublication, first.createdSlot, again.createdPublication, again.createdSlot], [true, true, false, false]);
  assert.match(first.warning ?? "", /no replica identity/);
  assert.equal(first.slot, slotName(mappingUuid));
  assert.match(first.slot, /^fnmesh_[0-9a-f]{32}$/);

  const feed = await startPublishingFeed(nc, { ...target, eventSourceArn: arnFor("keyless"), log: memoryLog(), maxBackoffMs: 500 });
  await using _cleanup = feedCleanup(target, feed);
  await eventually(() => feed.streaming(), { name: "feed streaming", timeoutMs: 30_000 });
  await dropChangeFeed(target);
  await dropChangeFeed(target); // idempotent
  const slots = await sql(db.url, "SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [slotName(mappingUuid)]);
  const pubs = await sql(db.url, "SELECT 1 FROM pg_publication WHERE pubname = $1", [publicationName(mappingUuid)]);
  assert.equal(slots.rowCount, 0, "slot dropped");
  assert.equal(pubs.rowCount, 0, "publication dropped");
  await feed.stop();
  assert.equal(await slotLagBytes(target), undefined, "no slot, no lag");
});

test("slot lag grows while nobody confirms; past the limit the slot is skipped ahead and the range dead-lettered first", async (t) => {
  await using nats = await startNats();
  await using pgs = await startPostgres();
  printLogsOnFailure(t, { nats, pg: pgs });
  await using db = await pgs.testDatabase();
  await using nc = await connect({ servers: nats.url });
  await ensureAsyncStream(nc); // FNMESH_DLQ
  await sql(db.url, "CREATE TABLE stuck (id serial PRIMARY KEY, v text)");
  const mappingUuid = newMappingUuid();
  const target = { connectionString: db.url, mappingUuid };
  await ensureChangeFeed({ ...target, schema: "public", table: "stuck" });
  await using _cleanup = feedCleanup(target);
  await sql(db.url, "INSERT INTO stuck (v) SELECT repeat('x', 100) FROM generate_series(1, 2000)");
  await eventually(async () => {
    const r = await sql(db.url, "SELECT pg_current_wal_flush_lsn() >= pg_current_wal_lsn() AS flushed");
    return (r.rows[0] as { flushed: boolean }).flushed;
  }, { name: "WAL flushed (the harness runs synchronous_commit=off)" });
  const lag = await slotLagBytes(target);
  assert.ok(lag !== undefined && lag > 200_000, `lag reported (${lag})`);

  const log = memoryLog();
  const skippedRanges: unknown[] = [];
  const under = await enforceSlotLagLimit({ ...target, maxLagBytes: lag * 10, log, onSkipped: async (s) => { skippedRanges.push(s); } });
  assert.equal(under.skipped, undefined, "under the limit nothing moves");
  assert.ok(log.lines.some((l) => l.level === "info" && l.msg === "postgres slot lag"), "lag is logged");

  const { jetstream } = await import("@nats-io/jetstream");
  const { publishSlotSkipped } = await import("./publish-changes.ts");
  const over = await enforceSlotLagLimit({ ...target, maxLagBytes: 1000, log, onSkipped: (s) => publishSlotSkipped(jetstream(nc), s) });
  assert.ok(over.skipped, "past the limit the slot is skipped");
  assert.ok(((await slotLagBytes(target)) ?? Infinity) < lag, "the WAL is released");
  assert.ok(log.lines.some((l) => l.level === "error" && /changes in this LSN range are lost/.test(l.msg)), "the loss is logged as an error");
  const jsm = await jetstreamManager(nc);
  const dead = await jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: subjects.dlq(DeadLetterReason.InvalidSourceRecord) });
  assert.ok(dead);
  assert.equal(dead.header.get(Header.ErrorType), "SlotLagExceeded");
  assert.equal(dead.header.get(Header.OriginalSubject), subjects.changes(mappingUuid));
  const body = dead.json<{ kind: string; mappingUuid: string; toLsn: string }>();
  assert.equal(body.kind, "slot_skipped");
  assert.equal(body.mappingUuid, mappingUuid);
  assert.equal(body.toLsn, over.skipped.toLsn);
});

test("the slot's position moves past a transaction only after onChanges resolved for it; reading paused meanwhile resumes", async (t) => {
  await using pgs = await startPostgres();
  printLogsOnFailure(t, { pg: pgs });
  await using db = await pgs.testDatabase();
  await sql(db.url, "CREATE TABLE gated (id int4 PRIMARY KEY)");
  const mappingUuid = newMappingUuid();
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const seen: PostgresChangeRecord[] = [];
  const { startChangeFeed } = await import("./change-feed.ts");
  const log = memoryLog();
  const feed = startChangeFeed({
    connectionString: db.url, mappingUuid, schema: "public", table: "gated", eventSourceArn: arnFor("gated"), log,
    statusIntervalMs: 100, // report often: a wrong report would show quickly
    maxPendingRecords: 10, // reading pauses while blocked, and resumes
    onChanges: async (records) => { seen.push(...records); await gate; },
    onUndecodable: async () => { throw new Error("unexpected"); },
    onSlotSkipped: async () => { throw new Error("unexpected"); },
  });
  await using _cleanup = feedCleanup({ connectionString: db.url, mappingUuid }, feed);
  await using _open = { async [Symbol.asyncDispose]() { release(); } }; // a failed assertion must not leave stop() waiting on the gate
  await eventually(() => feed.streaming(), { name: "feed streaming", timeoutMs: 30_000 });
  await sql(db.url, "INSERT INTO gated VALUES (1)");
  await sql(db.url, "INSERT INTO gated SELECT generate_series(2, 50)"); // more WAL and keepalives while blocked
  await eventually(() => seen.length >= 1, { name: "onChanges called" });
  const commitLsn = (seen[0] as PostgresChangeRecord).postgres.commitLsn;
  const confirmedPast = async () => {
    const r = await sql(db.url, "SELECT confirmed_flush_lsn > $2::pg_lsn AS past FROM pg_replication_slots WHERE slot_name = $1", [slotName(mappingUuid), commitLsn]);
    return (r.rows[0] as { past: boolean }).past;
  };
  // Give the feed many status intervals to (wrongly) report the received position.
  for (let i = 0; i < 20; i++) {
    await sql(db.url, "SELECT pg_sleep(0.05)");
    assert.equal(await confirmedPast(), false, "nothing confirmed while onChanges is pending");
  }
  await eventually(() => log.lines.some((l) => l.msg === "postgres change feed paused reading"), { name: "reading paused past maxPendingRecords" });
  release();
  await eventually(confirmedPast, { name: "confirmed once onChanges resolved" });
  await eventually(() => seen.length >= 50, { name: "the rest delivered" });
});

test("a feed that cannot store its changes keeps retrying; past the lag limit it records the range, skips it, and goes on", async (t) => {
  await using pgs = await startPostgres();
  printLogsOnFailure(t, { pg: pgs });
  await using db = await pgs.testDatabase();
  await sql(db.url, "CREATE TABLE unstorable (id int4 PRIMARY KEY, v text)");
  const mappingUuid = newMappingUuid();
  let storing = false;
  const stored: PostgresChangeRecord[] = [];
  const skips: unknown[] = [];
  const log = memoryLog();
  const { startChangeFeed } = await import("./change-feed.ts");
  const feed = startChangeFeed({
    connectionString: db.url, mappingUuid, schema: "public", table: "unstorable", eventSourceArn: arnFor("unstorable"), log,
    maxSlotLagBytes: 64 * 1024, lagCheckMs: 200, maxBackoffMs: 300,
    onChanges: async (records) => {
      if (!storing) throw new Error("FNMESH_CHANGES unavailable");
      stored.push(...records);
    },
    onUndecodable: async () => { throw new Error("unexpected"); },
    onSlotSkipped: async (skipped) => { skips.push(skipped); storing = true; },
  });
  await using _cleanup = feedCleanup({ connectionString: db.url, mappingUuid }, feed);
  await eventually(() => feed.streaming(), { name: "feed streaming", timeoutMs: 30_000 });
  await sql(db.url, "INSERT INTO unstorable SELECT g, repeat('x', 200) FROM generate_series(1, 2000) g");
  await eventually(() => log.lines.some((l) => l.msg === "postgres change feed connection ended; reconnecting"), { name: "delivery failure ends the session" });
  await eventually(() => skips.length === 1, { name: "the range was recorded before the skip", timeoutMs: 60_000 });
  assert.ok(log.lines.some((l) => l.level === "error" && /changes in this LSN range are lost/.test(l.msg)), "the loss is logged as an error");
  await sql(db.url, "INSERT INTO unstorable VALUES (5000, 'after')");
  await eventually(() => stored.some((r) => r.dynamodb.Keys?.id === 5000), { name: "changes after the skip are delivered", timeoutMs: 30_000 });
  const { toLsn } = skips[0] as { toLsn: string };
  assert.deepEqual(stored.filter((r) => parseLsn(r.postgres.commitLsn) < parseLsn(toLsn)), [], "nothing from the skipped range is delivered");
});
