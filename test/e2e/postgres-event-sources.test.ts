/**
 * Postgres event source mappings end to end: a mapping made through @aws-sdk/client-lambda's
 * CreateEventSourceMapping on a table of a database named in the trigger's FNMESH_PG_SOURCES
 * (a PostgreSQL of its own, as a user's application database would be), run by the stack's trigger
 * as main.ts starts it: the change feed from the mapping's slot into FNMESH_CHANGES, and the batch
 * runner that invokes the function. The function reports every batch it receives to an HTTP
 * recorder in this process.
 *
 * INSERT, UPDATE, DELETE arrive in commit order with the new and old rows (REPLICA IDENTITY FULL);
 * FilterCriteria on the record drop what does not match; a disabled mapping's slot is left alone
 * (no walsender) and, enabled again, delivers what was written meanwhile; deleting the mapping drops
 * its slot and publication.
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import pg from "pg";
import {
  CreateEventSourceMappingCommand, CreateFunctionCommand, DeleteEventSourceMappingCommand, GetEventSourceMappingCommand, UpdateEventSourceMappingCommand,
} from "@aws-sdk/client-lambda";
import { PostgresChangeRecord } from "@fnmesh/protocol";
import { publicationName, slotName } from "@fnmesh/pg-change-feed";
import { eventually, randomName, startPostgres, type PostgresServer, type TestDatabase } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const ACCOUNT = "000000000000";

let stack: Stack;
let app: PostgresServer;
let db: TestDatabase;
let recorder: Server;
let recorderUrl = "";
/** Records each function received, in arrival order, by function name. */
const received = new Map<string, PostgresChangeRecord[]>();

async function sql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: db.url });
  client.on("error", () => {});
  await client.connect();
  try { return await client.query(text, values); } finally { await client.end().catch(() => {}); }
}

const slotActive = async (uuid: string) =>
  (await sql("SELECT active FROM pg_replication_slots WHERE slot_name = $1", [slotName(uuid)])).rows[0]?.active as boolean | undefined;

before(async () => {
  recorder = createServer((req, res) => {
    const fn = new URL(req.url ?? "/", "http://recorder").searchParams.get("fn") ?? "";
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const event = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { Records: unknown[] };
      const records = event.Records.map((r) => PostgresChangeRecord.parse(r));
      received.set(fn, [...(received.get(fn) ?? []), ...records]);
      res.end("ok");
    });
  });
  recorder.listen(0, "127.0.0.1");
  await once(recorder, "listening");
  recorderUrl = `http://127.0.0.1:${(recorder.address() as AddressInfo).port}`;
  app = await startPostgres();
  db = await app.testDatabase();
  stack = await startStack({
    triggerEnv: { FNMESH_PG_SOURCES: `app=${db.url}`, FNMESH_TRIGGER_RETRY_BASE_MS: "200", FNMESH_TRIGGER_RETRY_MAX_MS: "1000" },
    executorEnv: { FNMESH_EGRESS_ALLOW: new URL(recorderUrl).host },
  });
});

after(async () => {
  await stack?.[Symbol.asyncDispose]();
  await db?.[Symbol.asyncDispose]();
  await app?.stop();
  recorder?.closeAllConnections();
  recorder?.close();
});

/** A table, a function posting each batch to the recorder, and a mapping on the table (slot streaming). */
async function mappedTable(filter?: object): Promise<{ table: string; fn: string; uuid: string }> {
  const table = randomName("orders");
  await sql(`CREATE TABLE ${table} (id int4 PRIMARY KEY, status text, total numeric(10,2))`);
  await sql(`ALTER TABLE ${table} REPLICA IDENTITY FULL`);
  const fn = randomName("onchange").replace(/_/g, "-");
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: fn, Runtime: "nodejs22.x", Role: `arn:aws:iam::${ACCOUNT}:role/test`, Handler: "index.handler",
    Code: { ZipFile: zipOf({ "index.mjs": `export const handler = async (event) => {
      const res = await fetch(${JSON.stringify(`${recorderUrl}/?fn=${fn}`)}, { method: "POST", body: JSON.stringify(event) });
      if (!res.ok) throw new Error("recorder refused");
      return "ok";
    };` }) },
  }));
  const out = await stack.lambda.send(new CreateEventSourceMappingCommand({
    FunctionName: fn, EventSourceArn: `arn:fnmesh:postgres:${stack.region}:${ACCOUNT}:table/app/public.${table}`,
    StartingPosition: "LATEST", BatchSize: 100, MaximumBatchingWindowInSeconds: 1,
    ...(filter ? { FilterCriteria: { Filters: [{ Pattern: JSON.stringify(filter) }] } } : {}),
  }));
  const uuid = out.UUID ?? "";
  // LATEST: changes count from the slot's creation, so write only once it streams.
  await eventually(async () => (await slotActive(uuid)) === true, { name: `slot of ${uuid} streaming`, timeoutMs: 60_000 });
  return { table, fn, uuid };
}

test("INSERT, UPDATE and DELETE reach the function in commit order, with new and old rows as typed JSON", async () => {
  const { table, fn, uuid } = await mappedTable();
  await sql(`INSERT INTO ${table} VALUES (1, 'new', 12.50)`);
  await sql(`UPDATE ${table} SET status = 'paid' WHERE id = 1`);
  await sql(`DELETE FROM ${table} WHERE id = 1`);
  await eventually(() => (received.get(fn)?.length ?? 0) >= 3, { name: "three changes delivered", timeoutMs: 60_000 });
  const records = received.get(fn) ?? [];
  assert.deepEqual(records.map((r) => r.eventName), ["INSERT", "MODIFY", "REMOVE"]);
  const [ins, mod, rem] = records as [PostgresChangeRecord, PostgresChangeRecord, PostgresChangeRecord];
  assert.deepEqual(ins.dynamodb.NewImage, { id: 1, status: "new", total: "12.50" });
  assert.equal(ins.dynamodb.OldImage, undefined);
  assert.deepEqual(mod.dynamodb.OldImage, { id: 1, status: "new", total: "12.50" });
  assert.deepEqual(mod.dynamodb.NewImage, { id: 1, status: "paid", total: "12.50" });
  assert.deepEqual(rem.dynamodb.OldImage, { id: 1, status: "paid", total: "12.50" });
  // Keys are the replica identity's columns: with FULL, pgoutput marks every column as one.
  assert.deepEqual(rem.dynamodb.Keys, { id: 1, status: "paid", total: "12.50" });
  for (const r of records) {
    assert.equal(r.eventSourceARN, `arn:fnmesh:postgres:${stack.region}:${ACCOUNT}:table/app/public.${table}`);
    assert.equal(r.eventSource, "fnmesh:postgres");
  }
  assert.equal(new Set(records.map((r) => r.eventID)).size, 3, "each change has its own eventID");
  assert.ok(uuid);
});

test("FilterCriteria on the change record: only rows whose new image matches run the function", async () => {
  const { table, fn } = await mappedTable({ eventName: ["INSERT"], dynamodb: { NewImage: { status: ["paid"] } } });
  await sql(`INSERT INTO ${table} VALUES (1, 'new', 1), (2, 'paid', 2), (3, 'paid', 3)`);
  await sql(`UPDATE ${table} SET status = 'paid' WHERE id = 1`);
  // A marker that matches, written last: once it is in, everything before it has been decided.
  await sql(`INSERT INTO ${table} VALUES (99, 'paid', 0)`);
  await eventually(() => (received.get(fn) ?? []).some((r) => r.dynamodb.NewImage?.id === 99), { name: "marker delivered", timeoutMs: 60_000 });
  assert.deepEqual((received.get(fn) ?? []).map((r) => r.dynamodb.NewImage?.id), [2, 3, 99]);
});

test("disabled, the mapping stops reading its slot; enabled again, it delivers what was written meanwhile; deleted, its slot and publication go", async () => {
  const { table, fn, uuid } = await mappedTable();
  await sql(`INSERT INTO ${table} VALUES (1, 'before', 1)`);
  await eventually(() => (received.get(fn)?.length ?? 0) === 1, { name: "first change delivered", timeoutMs: 60_000 });

  await stack.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
  await eventually(async () => (await slotActive(uuid)) === false, { name: "slot no longer streamed", timeoutMs: 60_000 });
  await sql(`INSERT INTO ${table} VALUES (2, 'while disabled', 2), (3, 'while disabled', 3)`);
  // Nothing reads the slot, so nothing of this reaches the function until it is enabled.
  assert.equal(received.get(fn)?.length, 1);

  await stack.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
  await eventually(() => (received.get(fn)?.length ?? 0) >= 3, { name: "changes made while disabled delivered", timeoutMs: 60_000 });
  assert.deepEqual((received.get(fn) ?? []).map((r) => r.dynamodb.NewImage?.id), [1, 2, 3]);

  await stack.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
  await eventually(async () => {
    const slots = await sql("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", [slotName(uuid)]);
    const pubs = await sql("SELECT 1 FROM pg_publication WHERE pubname = $1", [publicationName(uuid)]);
    return slots.rowCount === 0 && pubs.rowCount === 0;
  }, { name: "slot and publication dropped", timeoutMs: 60_000 });
});

test("LastProcessingResult: a PROBLEM naming FNMESH_PG_SOURCES for a source the trigger does not know; OK once a batch ran", async () => {
  const fn = randomName("nosource").replace(/_/g, "-");
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: fn, Runtime: "nodejs22.x", Role: `arn:aws:iam::${ACCOUNT}:role/test`, Handler: "index.handler",
    Code: { ZipFile: zipOf({ "index.mjs": "export const handler = async () => 'ok';" }) },
  }));
  const missing = await stack.lambda.send(new CreateEventSourceMappingCommand({
    FunctionName: fn, EventSourceArn: `arn:fnmesh:postgres:${stack.region}:${ACCOUNT}:table/nope/public.orders`, StartingPosition: "LATEST",
  }));
  assert.equal(missing.LastProcessingResult, "No records processed");
  const problem = await eventually(async () => {
    const got = await stack.lambda.send(new GetEventSourceMappingCommand({ UUID: missing.UUID }));
    assert.match(got.LastProcessingResult ?? "", /^PROBLEM: /);
    return got.LastProcessingResult ?? "";
  }, { name: "the trigger's problem reported", timeoutMs: 60_000 });
  assert.match(problem, /"nope".*FNMESH_PG_SOURCES/);
  assert.doesNotMatch(problem, /postgres:\/\/[^@\s]*:[^@\s]*@/, "no password in the answer");

  const { table, uuid } = await mappedTable();
  await sql(`INSERT INTO ${table} VALUES (1, 'new', 1)`);
  await eventually(async () => (await stack.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).LastProcessingResult === "OK",
    { name: "OK after a successful batch", timeoutMs: 60_000 });
  await stack.lambda.send(new DeleteEventSourceMappingCommand({ UUID: missing.UUID }));
});
