import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startPostgres, type PostgresServer } from "@fnmesh/test-harness";
import { migrate } from "./migrate.ts";
import { createFunctionStore } from "./function-store.ts";
import type { NewFunction } from "./types.ts";

let server: PostgresServer;
before(async () => { server = await startPostgres({ migrate: async (url) => { await migrate(url); } }); });
after(async () => { await server?.stop(); });

const fn = (name: string, codeSize = 10): NewFunction => ({
  name, description: "", runtime: "nodejs22.x", handler: "index.handler", role: "r", memoryMb: 128, timeoutSec: 3,
  env: {}, codeSha256: "sha=", codeSize, zipKey: "zip/x",
  codeRef: { kind: "bundle", sha256: "b".repeat(64), exportPath: ["handler"], format: 1 },
});

async function withStore(body: (store: ReturnType<typeof createFunctionStore>) => Promise<void>): Promise<void> {
  await using db = await server.testDatabase();
  const pool = new pg.Pool({ connectionString: db.url });
  try {
    await body(createFunctionStore(pool));
  } finally {
    await pool.end();
  }
}

test("event invoke config: put replaces, update merges (null unsets), delete; revision and LastModified stay", async () => {
  await withStore(async (store) => {
    const created = await store.create(fn("a"));
    assert.equal(created.eventInvokeConfig, undefined);
    assert.equal(await store.updateEventInvokeConfig("a", { maximumRetryAttempts: 1 }), undefined, "nothing to update yet");

    const put = await store.putEventInvokeConfig("a", { maximumRetryAttempts: 0, maximumEventAgeSec: 60, onSuccess: "arn:s" });
    assert.deepEqual({ ...put?.eventInvokeConfig, lastModified: undefined },
      { maximumRetryAttempts: 0, maximumEventAgeSec: 60, onSuccess: "arn:s", lastModified: undefined });
    assert.equal(put?.revisionId, created.revisionId);
    assert.equal(put?.lastModified.getTime(), created.lastModified.getTime());

    const replaced = await store.putEventInvokeConfig("a", { maximumRetryAttempts: 2 });
    assert.deepEqual(Object.keys(replaced?.eventInvokeConfig ?? {}).sort(), ["lastModified", "maximumRetryAttempts"]);

    const merged = await store.updateEventInvokeConfig("a", { maximumEventAgeSec: 120, onFailure: "arn:f" });
    assert.equal(merged?.eventInvokeConfig?.maximumRetryAttempts, 2);
    assert.equal(merged?.eventInvokeConfig?.maximumEventAgeSec, 120);
    assert.equal(merged?.eventInvokeConfig?.onFailure, "arn:f");
    const unset = await store.updateEventInvokeConfig("a", { onFailure: null, onSuccess: "arn:s2" });
    assert.equal(unset?.eventInvokeConfig?.onFailure, undefined);
    assert.equal(unset?.eventInvokeConfig?.onSuccess, "arn:s2");
    assert.deepEqual((await store.get("a"))?.eventInvokeConfig, unset?.eventInvokeConfig);

    assert.ok(await store.deleteEventInvokeConfig("a"));
    assert.equal(await store.deleteEventInvokeConfig("a"), undefined);
    assert.equal((await store.get("a"))?.eventInvokeConfig, undefined);
    assert.equal(await store.putEventInvokeConfig("missing", { maximumRetryAttempts: 1 }), undefined);
  });
});

test("reserved concurrency: the sum of reservations never passes the limit, a function's own reservation is replaced", async () => {
  await withStore(async (store) => {
    for (const n of ["a", "b", "c"]) await store.create(fn(n, 100));
    const a = await store.reserveConcurrency("a", 6, 10);
    assert.equal(a.kind, "reserved");
    assert.equal(a.kind === "reserved" ? a.record.reservedConcurrency : -1, 6);
    assert.equal((await store.reserveConcurrency("a", 10, 10)).kind, "reserved", "replacing its own 6 with 10 fits");
    assert.deepEqual(await store.reserveConcurrency("b", 1, 10), { kind: "over_limit", reservedByOthers: 10 });
    assert.deepEqual(await store.reserveConcurrency("nope", 1, 10), { kind: "not_found" });
    assert.equal((await store.reserveConcurrency("a", 4, 10)).kind, "reserved");

    // Concurrent puts of 3 each on b and c and another a: 4 + 3 + 3 = 10 fits; any more would not.
    const outcomes = await Promise.all([store.reserveConcurrency("b", 3, 10), store.reserveConcurrency("c", 3, 10), store.reserveConcurrency("c", 4, 10)]);
    const usage = await store.accountUsage();
    assert.ok(usage.reservedTotal <= 10, `reserved ${usage.reservedTotal}`);
    assert.equal(outcomes.filter((o) => o.kind === "reserved").length >= 2, true);
    assert.deepEqual({ functionCount: usage.functionCount, totalCodeSize: usage.totalCodeSize }, { functionCount: 3, totalCodeSize: 300 });

    const freed = await store.unreserveConcurrency("a");
    assert.equal(freed?.reservedConcurrency, undefined);
    assert.equal(await store.unreserveConcurrency("nope"), undefined);
    assert.equal((await store.accountUsage()).reservedTotal, usage.reservedTotal - 4);
    // Deleting a function deletes its settings with it.
    await store.putEventInvokeConfig("b", { maximumRetryAttempts: 0 });
    assert.ok(await store.delete("b"));
    await store.create(fn("b"));
    const again = await store.get("b");
    assert.equal(again?.reservedConcurrency, undefined);
    assert.equal(again?.eventInvokeConfig, undefined);
  });
});
