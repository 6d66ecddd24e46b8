import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startPostgres, type PostgresServer } from "@fnmesh/test-harness";
import { isFnmeshError } from "@fnmesh/protocol";
import { migrate } from "./migrate.ts";
import { createEventSourceMappingStore, type NewEventSourceMapping } from "./event-source-mapping-store.ts";

let server: PostgresServer;
before(async () => { server = await startPostgres({ migrate: async (url) => { await migrate(url); } }); });
after(async () => { await server?.stop(); });

const SOURCE = "arn:fnmesh:jetstream:us-east-1:000000000000:stream/ORDERS";
const mapping = (functionName: string, extra: Partial<NewEventSourceMapping> = {}): NewEventSourceMapping => ({
  functionName, eventSourceArn: SOURCE, enabled: true, batchSize: 100, maximumBatchingWindowInSeconds: 0,
  startingPosition: "AT_TIMESTAMP", startingPositionTimestamp: new Date(1_700_000_000_000), functionResponseTypes: [],
  maximumRetryAttempts: -1, ...extra,
});

test("create, duplicate source and function refused with the existing UUID, update replaces, delete returns the row", async () => {
  await using db = await server.testDatabase();
  const pool = new pg.Pool({ connectionString: db.url });
  const store = createEventSourceMappingStore(pool);
  try {
    const filters = { Filters: [{ Pattern: "{\"data\":{\"kind\":[\"order\"]}}" }] };
    const a = await store.create(mapping("f", { functionQualifier: "$LATEST", filterCriteria: filters, onFailure: "arn:fnmesh:nats:us-east-1:000000000000:subject/failed" }));
    assert.match(a.uuid, /^[0-9a-f-]{36}$/);
    assert.deepEqual({ ...a, uuid: "", revision: "", createdAt: null, lastModified: null }, {
      ...mapping("f"), functionQualifier: "$LATEST", filterCriteria: filters, onFailure: "arn:fnmesh:nats:us-east-1:000000000000:subject/failed",
      uuid: "", revision: "", createdAt: null, lastModified: null,
    });
    assert.deepEqual(await store.get(a.uuid), a);
    await assert.rejects(store.create(mapping("f", { batchSize: 5 })), (e: unknown) => isFnmeshError(e) && e.code === "conflict" && e.message === a.uuid);
    const b = await store.create(mapping("g"));

    const updated = await store.update(a.uuid, { functionName: "f", enabled: false, batchSize: 10, maximumBatchingWindowInSeconds: 5,
      functionResponseTypes: ["ReportBatchItemFailures"], maximumRetryAttempts: 3 });
    assert.ok(updated);
    assert.deepEqual([updated.enabled, updated.batchSize, updated.maximumBatchingWindowInSeconds, updated.functionResponseTypes, updated.maximumRetryAttempts],
      [false, 10, 5, ["ReportBatchItemFailures"], 3]);
    assert.equal(updated.filterCriteria, undefined, "an update replaces every updatable field");
    assert.equal(updated.functionQualifier, undefined);
    assert.equal(updated.startingPosition, "AT_TIMESTAMP", "the starting position stays");
    assert.notEqual(updated.revision, a.revision);
    await assert.rejects(store.update(a.uuid, { ...mapping("g"), enabled: true }), (e: unknown) => isFnmeshError(e) && e.code === "conflict" && e.message === b.uuid);
    assert.equal(await store.update("00000000-0000-4000-8000-000000000000", mapping("f")), undefined);

    assert.equal((await store.delete(a.uuid))?.revision, updated.revision);
    assert.equal(await store.get(a.uuid), undefined);
    assert.equal(await store.delete(a.uuid), undefined);
  } finally {
    await pool.end();
  }
});

test("list by function and by source, paged in UUID order", async () => {
  await using db = await server.testDatabase();
  const pool = new pg.Pool({ connectionString: db.url });
  const store = createEventSourceMappingStore(pool);
  try {
    const other = "arn:fnmesh:nats:us-east-1:000000000000:subject/orders.>";
    const made = [
      await store.create(mapping("f")), await store.create(mapping("g")), await store.create(mapping("f", { eventSourceArn: other })),
      await store.create(mapping("h", { eventSourceArn: other })),
    ];
    const uuids = (rs: { uuid: string }[]) => rs.map((r) => r.uuid);
    const sorted = (rs: { uuid: string }[]) => uuids(rs).sort();
    assert.deepEqual(uuids((await store.list({ limit: 10 })).mappings), sorted(made));
    assert.deepEqual(uuids((await store.list({ functionName: "f", limit: 10 })).mappings), sorted([made[0]!, made[2]!]));
    assert.deepEqual(uuids((await store.list({ eventSourceArn: other, limit: 10 })).mappings), sorted([made[2]!, made[3]!]));
    assert.deepEqual(uuids((await store.list({ eventSourceArn: other, functionName: "h", limit: 10 })).mappings), [made[3]!.uuid]);
    const first = await store.list({ limit: 3 });
    assert.deepEqual([uuids(first.mappings), first.more], [sorted(made).slice(0, 3), true]);
    const rest = await store.list({ limit: 3, after: first.mappings.at(-1)!.uuid });
    assert.deepEqual([uuids(rest.mappings), rest.more], [sorted(made).slice(3), false]);
  } finally {
    await pool.end();
  }
});
