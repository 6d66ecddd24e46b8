/**
 * The change feed's failure cases against real PostgreSQL and nats-server, with feeds in child
 * processes (src/test/feed-process.ts) that are `kill -9`ed: nothing committed is lost, replays are
 * de-duplicated, a waiting replica takes the slot over, and PostgreSQL restarts are survived.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { chmod, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import pg from "pg";
import { connect } from "@nats-io/transport-node";
import { ensureEventSourceStreams } from "@fnmesh/service-kit";
import { eventually, printLogsOnFailure, startNats, startPostgres } from "@fnmesh/test-harness";
import type { PostgresChangeRecord } from "@fnmesh/protocol";
import { arnFor, feedCleanup, memoryLog, newMappingUuid, sql, startPublishingFeed, storedCount, waitForChanges } from "./test/support.ts";

const FEED_PROCESS = join(import.meta.dirname, "test", "feed-process.ts");

interface FeedChild extends AsyncDisposable {
  child: ChildProcess;
  streaming: Promise<void>;
  output(): string;
}

function spawnFeed(env: Record<string, string>): FeedChild {
  const child = spawn(process.execPath, [FEED_PROCESS], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stderr?.on("data", (d: Buffer) => { out = (out + d.toString()).slice(-20_000); });
  const streaming = new Promise<void>((resolve, reject) => {
    child.stdout?.on("data", (d: Buffer) => { if (d.toString().includes("streaming")) resolve(); });
    child.once("exit", (code, signal) => reject(new Error(`feed process exited (${code ?? signal}) before streaming:\n${out}`)));
  });
  streaming.catch(() => {});
  return {
    child, streaming, output: () => out,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGKILL");
        await exited;
      }
    },
  };
}

function killed(feed: FeedChild): Promise<void> {
  return new Promise((resolve) => {
    feed.child.once("exit", () => resolve());
    feed.child.kill("SIGKILL");
  });
}

const distinctIds = (records: PostgresChangeRecord[]) => new Set(records.map((r) => String(r.dynamodb.Keys?.id)));

test("a feed kill -9ed during a burst of 12,000 row changes, then restarted, stores every change once, in commit order", async (t) => {
  await using nats = await startNats();
  await using pgs = await startPostgres();
  printLogsOnFailure(t, { nats, pg: pgs });
  await using db = await pgs.testDatabase();
  await using nc = await connect({ servers: nats.url });
  await ensureEventSourceStreams(nc);
  await sql(db.url, "CREATE TABLE burst (id int4 PRIMARY KEY, writer int4, v text)");
  const mappingUuid = newMappingUuid();
  await using _cleanup = feedCleanup({ connectionString: db.url, mappingUuid });
  const env = { FEED_PG_URL: db.url, FEED_NATS_URL: nats.url, FEED_MAPPING: mappingUuid, FEED_SCHEMA: "public", FEED_TABLE: "burst", FEED_ARN: arnFor("burst") };
  await using first = spawnFeed(env);
  await first.streaming;

  // Four concurrent writers (interleaved transactions, some committing back to back), 10,000
  // inserts in transactions of 1–20 rows, then 2,000 updates.
  const pool = new pg.Pool({ connectionString: db.url, max: 4 });
  pool.on("error", () => {});
  const ROWS = 10_000;
  const UPDATES = 2_000;
  let written = 0;
  // The writers hold at 8,000 rows until the kill: the feed dies mid-burst, whatever the speeds.
  let killedFirst!: () => void;
  const afterKill = new Promise<void>((resolve) => { killedFirst = resolve; });
  const writer = async (w: number) => {
    for (let id = w; id < ROWS; ) {
      if (written >= 8_000) await afterKill;
      const size = 1 + ((id * 7) % 20);
      const ids: number[] = [];
      for (let k = 0; k < size && id < ROWS; k++, id += 4) ids.push(id);
      await pool.query("INSERT INTO burst (id, writer, v) SELECT x, $2, 'v' FROM unnest($1::int4[]) AS x", [ids, w]);
      written += ids.length;
    }
  };
  const burst = (async () => {
    await Promise.all([0, 1, 2, 3].map(writer));
    for (let i = 0; i < UPDATES; i += 100) {
      await pool.query("UPDATE burst SET v = 'updated' WHERE id >= $1 AND id < $2", [i, i + 100]);
    }
  })();
  // Kill the feed mid-burst, once it has stored some of it.
  await eventually(async () => (await storedCount(nc, mappingUuid)) >= 1_000, { name: "1,000 changes stored", timeoutMs: 120_000, intervalMs: 25 });
  await killed(first);
  const atKill = written;
  const storedAtKill = await storedCount(nc, mappingUuid);
  killedFirst();
  t.diagnostic(`killed with ${storedAtKill} changes stored of ${atKill} rows written`);
  await using second = spawnFeed(env);
  await second.streaming;
  await burst;
  await pool.end();
  assert.ok(atKill < ROWS, `the feed was killed mid-burst (${atKill} of ${ROWS} rows written)`);

  const records = await waitForChanges(nc, mappingUuid, ROWS + UPDATES, 240_000);
  const inserts = records.filter((r) => r.eventName === "INSERT");
  const updates = records.filter((r) => r.eventName === "MODIFY");
  assert.equal(distinctIds(inserts).size, ROWS, "every inserted row arrived");
  assert.equal(distinctIds(updates).size, UPDATES, "every updated row arrived");
  assert.equal(new Set(records.map((r) => r.eventID)).size, records.length, "replayed changes were de-duplicated by message id");
  assert.equal(records.length, ROWS + UPDATES);
  const seq = records.map((r) => r.dynamodb.SequenceNumber);
  assert.deepEqual(seq, [...seq].sort(), "stored in commit order across the crash");
});

test("a second feed waits while the first holds the slot, and takes over when the first is kill -9ed", async (t) => {
  await using nats = await startNats();
  await using pgs = await startPostgres();
  printLogsOnFailure(t, { nats, pg: pgs });
  await using db = await pgs.testDatabase();
  await using nc = await connect({ servers: nats.url });
  await ensureEventSourceStreams(nc);
  await sql(db.url, "CREATE TABLE items (id int4 PRIMARY KEY)");
  const mappingUuid = newMappingUuid();
  const cleanup = feedCleanup({ connectionString: db.url, mappingUuid });
  await using _cleanup = cleanup;
  await using holder = spawnFeed({ FEED_PG_URL: db.url, FEED_NATS_URL: nats.url, FEED_MAPPING: mappingUuid, FEED_SCHEMA: "public", FEED_TABLE: "items", FEED_ARN: arnFor("items") });
  await holder.streaming;

  const log = memoryLog();
  const waiting = await startPublishingFeed(nc, { connectionString: db.url, mappingUuid, schema: "public", table: "items", eventSourceArn: arnFor("items"), log, maxBackoffMs: 500 });
  cleanup.feeds.push(waiting);
  await eventually(() => log.lines.some((l) => l.msg === "postgres change feed waiting: another reader holds the slot"), { name: "second feed refused the busy slot" });
  await sql(db.url, "INSERT INTO items SELECT generate_series(1, 10)");
  await waitForChanges(nc, mappingUuid, 10);
  assert.equal(waiting.streaming(), false, "only one reader streams the slot");

  await killed(holder);
  await eventually(() => waiting.streaming(), { name: "the waiting feed took the slot over", timeoutMs: 30_000 });
  await sql(db.url, "INSERT INTO items SELECT generate_series(11, 20)");
  const records = await waitForChanges(nc, mappingUuid, 20);
  assert.equal(distinctIds(records).size, 20);
  assert.equal(records.length, 20, "nothing stored twice across the takeover");
});

test("the feed reconnects after PostgreSQL restarts and resumes from its confirmed position", async (t) => {
  await using nats = await startNats();
  const dir = await mkdtemp(join(tmpdir(), "fnmesh-pgcf-"));
  await chmod(dir, 0o755); // PostgreSQL runs as the postgres user
  let pgs = await startPostgres({ dir: join(dir, "data") });
  const port = pgs.port;
  const url = pgs.url;
  printLogsOnFailure(t, { nats, pg: { logs: () => pgs.logs() } });
  await using nc = await connect({ servers: nats.url });
  await sql(url, "CREATE TABLE restart_t (id int4 PRIMARY KEY)");
  const mappingUuid = newMappingUuid();
  const log = memoryLog();
  const feed = await startPublishingFeed(nc, { connectionString: url, mappingUuid, schema: "public", table: "restart_t", eventSourceArn: arnFor("restart_t"), log, maxBackoffMs: 500 });
  t.after(async () => {
    await feed.stop();
    await Promise.resolve(feedCleanup({ connectionString: url, mappingUuid })[Symbol.asyncDispose]()).catch(() => {});
    await pgs.stop();
    await rm(dir, { recursive: true, force: true });
  });
  await eventually(() => feed.streaming(), { name: "feed streaming", timeoutMs: 30_000 });
  await sql(url, "INSERT INTO restart_t SELECT generate_series(1, 5)");
  await waitForChanges(nc, mappingUuid, 5);

  await pgs.stop();
  await eventually(() => !feed.streaming(), { name: "session ended with the server" });
  pgs = await startPostgres({ dir: join(dir, "data"), port });
  await sql(url, "INSERT INTO restart_t SELECT generate_series(6, 10)");
  await eventually(() => feed.streaming(), { name: "feed streaming again", timeoutMs: 60_000 });
  const records = await waitForChanges(nc, mappingUuid, 10, 60_000);
  assert.deepEqual([...distinctIds(records)].map(Number).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.equal(records.length, 10, "nothing replayed twice");
  assert.ok(log.lines.some((l) => l.level === "warn" && l.msg === "postgres change feed connection ended; reconnecting"), "the lost connection is logged");
});
