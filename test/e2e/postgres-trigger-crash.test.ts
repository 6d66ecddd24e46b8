/**
 * A Postgres event source mapping survives `kill -9` of its trigger: the trigger's main.ts runs as a
 * child process (feed from the slot into FNMESH_CHANGES and the batch runner invoking the function),
 * is killed during a burst of over 13,000 row changes from four concurrent writers once 1,000 have
 * reached the function — with a batch in hand and, as seen so far, ~1,000 changes written but not yet
 * stored — and a new one is started while the writers go on. Every change then reaches the function
 * at least once, counted by (primary key, eventName) and by eventID against what the writers
 * committed. Replays are allowed (at least once) and only reported.
 *
 * The mapping is made through @aws-sdk/client-lambda on the e2e stack (started without a trigger);
 * the application database is a PostgreSQL of its own, as in postgres-event-sources.test.ts.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { CreateEventSourceMappingCommand, CreateFunctionCommand } from "@aws-sdk/client-lambda";
import { jetstreamManager } from "@nats-io/jetstream";
import { CHANGES_STREAM } from "@fnmesh/protocol";
import { dropChangeFeed, slotName } from "@fnmesh/pg-change-feed";
import { eventually, printLogsOnFailure, randomName, startPostgres } from "@fnmesh/test-harness";
import { startStack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const ACCOUNT = "000000000000";
const MAIN = fileURLToPath(new URL("../../services/trigger/src/main.ts", import.meta.url));
const ROWS = 10_000;
const WRITERS = 4;
/** Writers stay at most this many changes ahead of the function until the kill, so it lands mid-burst. */
const LEAD = 3_000;
const KILL_AFTER_DELIVERED = 1_000;

interface TriggerChild extends AsyncDisposable {
  child: ChildProcess;
  exited: Promise<unknown>;
  logs(): string;
}

function spawnTrigger(env: Record<string, string>): TriggerChild {
  const child = spawn(process.execPath, ["--no-node-snapshot", MAIN], {
    env: { PATH: process.env.PATH ?? "", FNMESH_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const keep = (b: Buffer) => { out = (out + b.toString()).slice(-30_000); };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = once(child, "exit");
  return {
    child, exited, logs: () => out,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null && child.signalCode === null) { child.kill("SIGKILL"); await exited; }
    },
  };
}

test("kill -9 of the trigger mid-burst (10,000 inserts and 3,000+ updates from four writers), then a new one: every change reaches the function at least once", async (t) => {
  // What the function reported: [eventID, primary key, eventName] per record, replays included.
  const deliveries: [string, number, string][] = [];
  const eventIds = new Set<string>();
  const keys = new Set<string>();
  const recorder = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      for (const d of JSON.parse(Buffer.concat(chunks).toString("utf8")) as [string, number, string][]) {
        deliveries.push(d);
        eventIds.add(d[0]);
        keys.add(`${d[1]}:${d[2]}`);
      }
      res.end("ok");
    });
  });
  recorder.listen(0, "127.0.0.1");
  await once(recorder, "listening");
  t.after(() => { recorder.closeAllConnections(); recorder.close(); });
  const recorderHost = `127.0.0.1:${(recorder.address() as AddressInfo).port}`;

  await using app = await startPostgres();
  await using db = await app.testDatabase();
  await using stack = await startStack({ trigger: false, executorEnv: { FNMESH_EGRESS_ALLOW: recorderHost } });
  const triggerEnv = {
    NATS_URL: stack.natsUrl, FNMESH_PG_SOURCES: `app=${db.url}`,
    // Short: the killed trigger's batch in hand comes back to the new one quickly.
    FNMESH_TRIGGER_ACK_WAIT_MS: "3000", FNMESH_TRIGGER_RETRY_BASE_MS: "200", FNMESH_TRIGGER_RETRY_MAX_MS: "1000",
  };
  const first = spawnTrigger(triggerEnv);
  const children: TriggerChild[] = [first];
  let uuid = "";
  // Disposed before the stack and the databases: the children, then the slot (which would keep the
  // app database from being dropped).
  await using _children = {
    async [Symbol.asyncDispose]() {
      for (const c of children) await c[Symbol.asyncDispose]();
      if (uuid) await dropChangeFeed({ connectionString: db.url, mappingUuid: uuid }).catch(() => {});
    },
  };
  printLogsOnFailure(t, {
    app,
    "trigger 1": { logs: () => first.logs() },
    "trigger 2": { logs: () => children[1]?.logs() ?? "(not started)\n" },
  });

  const pool = new pg.Pool({ connectionString: db.url, max: WRITERS + 1 });
  pool.on("error", () => {});
  await using _pool = { [Symbol.asyncDispose]: () => pool.end() };
  const table = randomName("burst");
  await pool.query(`CREATE TABLE ${table} (id int4 PRIMARY KEY, writer int4, v text)`);

  const fn = randomName("onburst").replace(/_/g, "-");
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: fn, Runtime: "nodejs22.x", Role: `arn:aws:iam::${ACCOUNT}:role/test`, Handler: "index.handler", Timeout: 30,
    Code: { ZipFile: zipOf({ "index.mjs": `export const handler = async (event) => {
      const seen = event.Records.map((r) => [r.eventID, r.dynamodb.NewImage?.id ?? r.dynamodb.Keys?.id, r.eventName]);
      const res = await fetch(${JSON.stringify(`http://${recorderHost}/`)}, { method: "POST", body: JSON.stringify(seen) });
      if (!res.ok) throw new Error("recorder refused");
      return "ok";
    };` }) },
  }));
  await eventually(() => first.logs().includes("trigger ready"), { name: "trigger 1 ready", timeoutMs: 60_000 });
  const mapping = await stack.lambda.send(new CreateEventSourceMappingCommand({
    FunctionName: fn, EventSourceArn: `arn:fnmesh:postgres:${stack.region}:${ACCOUNT}:table/app/public.${table}`,
    StartingPosition: "LATEST", BatchSize: 500, MaximumBatchingWindowInSeconds: 1,
  }));
  uuid = mapping.UUID ?? "";
  // LATEST: only what commits after the slot exists is streamed, so write once it streams.
  await eventually(async () => (await pool.query("SELECT active FROM pg_replication_slots WHERE slot_name = $1", [slotName(uuid)])).rows[0]?.active === true,
    { name: "the mapping's slot streamed by trigger 1", timeoutMs: 60_000 });

  // Four writers, interleaved: inserts in transactions of 1–40 rows (ids w, w+4, …), and after every
  // third transaction an UPDATE of that transaction's rows (each row updated at most once).
  let written = 0;
  let killed = false;
  const updated: number[] = [];
  const writer = async (w: number) => {
    let txn = 0;
    for (let id = w; id < ROWS; txn++) {
      if (!killed) {
        await eventually(() => killed || written - eventIds.size < LEAD, { name: `writer ${w} within ${LEAD} changes of the function`, timeoutMs: 120_000, intervalMs: 10 });
      }
      const size = 1 + ((id * 7 + txn) % 40);
      const ids: number[] = [];
      for (let k = 0; k < size && id < ROWS; k++, id += WRITERS) ids.push(id);
      await pool.query(`INSERT INTO ${table} (id, writer, v) SELECT x, $2, 'v' FROM unnest($1::int4[]) AS x`, [ids, w]);
      written += ids.length;
      if (txn % 3 === 2) {
        await pool.query(`UPDATE ${table} SET v = 'updated' WHERE id = ANY($1::int4[])`, [ids]);
        updated.push(...ids);
        written += ids.length;
      }
    }
  };
  const burst = Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)));
  burst.catch(() => {});

  await eventually(() => eventIds.size >= KILL_AFTER_DELIVERED, { name: `${KILL_AFTER_DELIVERED} changes delivered`, timeoutMs: 120_000, intervalMs: 10 });
  first.child.kill("SIGKILL");
  await first.exited;
  const deliveredAtKill = eventIds.size;
  const writtenAtKill = written;
  killed = true;
  // The only mapping on this stack: FNMESH_CHANGES' last sequence is what the killed feed had stored.
  const storedAtKill = (await (await jetstreamManager(stack.nc)).streams.info(CHANGES_STREAM)).state.last_seq;
  assert.equal(first.child.signalCode, "SIGKILL");
  const second = spawnTrigger(triggerEnv);
  children.push(second);
  await burst;
  const total = written;
  t.diagnostic(`killed with ${deliveredAtKill} changes delivered, ${storedAtKill} stored in FNMESH_CHANGES, ${writtenAtKill} written; ` +
    `${total} written in all (${ROWS} inserts, ${updated.length} updates)`);
  assert.ok(deliveredAtKill >= KILL_AFTER_DELIVERED && deliveredAtKill < total && writtenAtKill < total,
    `the kill came mid-stream: ${deliveredAtKill} delivered, ${writtenAtKill} written, of ${total}`);

  const expected = new Set([...Array.from({ length: ROWS }, (_, id) => `${id}:INSERT`), ...updated.map((id) => `${id}:MODIFY`)]);
  assert.equal(expected.size, total, "each row inserted once and updated at most once");
  await eventually(() => keys.size >= expected.size, { name: `all ${total} changes delivered`, timeoutMs: 240_000, intervalMs: 200 });
  const missing = [...expected].filter((k) => !keys.has(k));
  assert.deepEqual(missing, [], "no change lost");
  assert.deepEqual([...keys].filter((k) => !expected.has(k)), [], "nothing delivered that was not written");
  assert.equal(eventIds.size, total, "one eventID per change, the same on every replay");
  t.diagnostic(`${deliveries.length} records delivered for ${total} changes: ${deliveries.length - total} duplicates (replays after the kill)`);
  assert.ok(second.logs().includes("trigger ready"), "the new trigger started");
});
