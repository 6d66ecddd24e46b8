import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startPostgres, type PostgresServer } from "@fnmesh/test-harness";
import { isFnmeshError } from "@fnmesh/protocol";
import { migrate } from "./migrate.ts";
import { createScheduleStore, type NewSchedule } from "./schedule-store.ts";

let server: PostgresServer;
before(async () => { server = await startPostgres({ migrate: async (url) => { await migrate(url); } }); });
after(async () => { await server?.stop(); });

const schedule = (name: string, extra: Partial<NewSchedule> = {}): NewSchedule => ({
  groupName: "default", name, expression: "rate(5 minutes)", timezone: "UTC", state: "ENABLED",
  target: { arn: "arn:aws:lambda:us-east-1:000000000000:function:f", roleArn: "arn:aws:iam::000000000000:role/r", input: "{\"a\":1}" },
  flexibleTimeWindow: { mode: "OFF" }, actionAfterCompletion: "NONE", ...extra,
});

test("create, conflict, client-token replay, update replaces and bumps the revision, conditional delete", async () => {
  await using db = await server.testDatabase();
  const pool = new pg.Pool({ connectionString: db.url });
  const store = createScheduleStore(pool);
  try {
    const { record: a, created } = await store.create(schedule("a", { clientToken: "t1", description: "d", startDate: new Date(1_800_000_000_000) }));
    assert.equal(created, true);
    assert.equal(a.description, "d");
    assert.equal(a.startDate?.getTime(), 1_800_000_000_000);
    assert.deepEqual(a.target.input, "{\"a\":1}");
    const replay = await store.create(schedule("a", { clientToken: "t1" }));
    assert.deepEqual({ created: replay.created, revision: replay.record.revision }, { created: false, revision: a.revision });
    await assert.rejects(store.create(schedule("a", { clientToken: "t2" })), (e: unknown) => isFnmeshError(e) && e.code === "conflict" && e.message === "Schedule a already exists.");
    await assert.rejects(store.create(schedule("a")), (e: unknown) => isFnmeshError(e) && e.code === "conflict");

    const { groupName: _g, name: _n, clientToken: _t, ...rest } = schedule("a");
    const updated = await store.update("default", "a", { ...rest, state: "DISABLED" });
    assert.equal(updated.state, "DISABLED");
    assert.equal(updated.description, undefined, "UpdateSchedule replaces every field");
    assert.equal(updated.startDate, undefined);
    assert.notEqual(updated.revision, a.revision);
    await assert.rejects(store.update("default", "missing", rest), (e: unknown) => isFnmeshError(e) && e.code === "not_found");

    assert.equal(await store.delete("default", "a", a.revision), false, "a stale revision deletes nothing");
    assert.equal(await store.delete("default", "a", updated.revision), true);
    assert.equal(await store.get("default", "a"), undefined);
    assert.equal(await store.delete("default", "a"), false);
  } finally {
    await pool.end();
  }
});

test("list filters by prefix (wildcards literal) and state, pages in byte order", async () => {
  await using db = await server.testDatabase();
  const pool = new pg.Pool({ connectionString: db.url });
  const store = createScheduleStore(pool);
  try {
    for (const name of ["b_1", "bx1", "b_2", "B_3", "c"]) await store.create(schedule(name, name === "b_2" ? { state: "DISABLED" } : {}));
    await store.create(schedule("b_9", { groupName: "other" }));
    const names = async (o: Parameters<typeof store.list>[0]) => (await store.list(o)).schedules.map((s) => s.name);
    assert.deepEqual(await names({ groupName: "default", limit: 10 }), ["B_3", "b_1", "b_2", "bx1", "c"]);
    assert.deepEqual(await names({ groupName: "default", namePrefix: "b_", limit: 10 }), ["b_1", "b_2"]);
    assert.deepEqual(await names({ groupName: "default", state: "DISABLED", limit: 10 }), ["b_2"]);
    const first = await store.list({ groupName: "default", limit: 2 });
    assert.deepEqual([first.schedules.map((s) => s.name), first.more], [["B_3", "b_1"], true]);
    const last = await store.list({ groupName: "default", limit: 3, after: "b_1" });
    assert.deepEqual([last.schedules.map((s) => s.name), last.more], [["b_2", "bx1", "c"], false]);
  } finally {
    await pool.end();
  }
});
