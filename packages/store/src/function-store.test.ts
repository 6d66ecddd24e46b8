import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import pg from "pg";
import { startPostgres, type PostgresServer } from "@fnmesh/test-harness";
import { isFnmeshError } from "@fnmesh/protocol";
import { loadMigrations, migrate } from "./migrate.ts";
import { createFunctionStore } from "./function-store.ts";
import type { NewFunction } from "./types.ts";

let server: PostgresServer;
before(async () => { server = await startPostgres({ migrate: async (url) => { await migrate(url); } }); });
after(async () => { await server?.stop(); });

const fn = (name: string): NewFunction => ({
  name, description: "", runtime: "nodejs22.x", handler: "index.handler", role: "r", memoryMb: 128, timeoutSec: 3,
  env: { A: "1" }, codeSha256: "sha=", codeSize: 10, zipKey: "zip/x",
  codeRef: { kind: "bundle", sha256: "b".repeat(64), exportPath: ["handler"], format: 1 },
});

test("migrate is idempotent and records versions", async () => {
  await using db = await server.testDatabase();
  assert.deepEqual(await migrate(db.url), [], "template already migrated");
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const { rows } = await client.query("SELECT version FROM fnmesh_migrations ORDER BY version");
  await client.end();
  assert.deepEqual(rows.map((r) => r.version), (await loadMigrations()).map((m) => m.version));
});

test("create, get, conflict, update bumps revision, conditional update, delete", async () => {
  await using db = await server.testDatabase();
  const pool = new pg.Pool({ connectionString: db.url });
  const store = createFunctionStore(pool);
  try {
    const created = await store.create(fn("a"));
    assert.deepEqual((await store.get("a"))?.env, { A: "1" });
    await assert.rejects(store.create(fn("a")), (e: unknown) => isFnmeshError(e) && e.code === "conflict");

    const updated = await store.updateConfig("a", { memoryMb: 512, env: { B: "2" } });
    assert.equal(updated.memoryMb, 512);
    assert.deepEqual(updated.env, { B: "2" });
    assert.notEqual(updated.revisionId, created.revisionId);
    assert.ok(updated.lastModified >= created.lastModified);

    await assert.rejects(store.updateConfig("a", { timeoutSec: 9 }, created.revisionId),
      (e: unknown) => isFnmeshError(e) && e.code === "precondition_failed");
    const code = await store.updateCode("a", { codeSha256: "new=", codeSize: 20, zipKey: "zip/y",
      codeRef: { kind: "error", errorType: "Runtime.ImportModuleError", errorMessage: "x" } }, updated.revisionId);
    assert.equal(code.codeRef.kind, "error");
    await assert.rejects(store.updateConfig("nope", { timeoutSec: 9 }), (e: unknown) => isFnmeshError(e) && e.code === "not_found");

    assert.equal(await store.delete("a"), true);
    assert.equal(await store.delete("a"), false);
    assert.equal(await store.get("a"), undefined);
  } finally {
    await pool.end();
  }
});

test("list pages by name with an opaque marker", async () => {
  await using db = await server.testDatabase();
  const pool = new pg.Pool({ connectionString: db.url });
  const store = createFunctionStore(pool);
  try {
    for (const n of ["c", "a", "e", "b", "d"]) await store.create(fn(n));
    const p1 = await store.list({ maxItems: 2 });
    assert.deepEqual(p1.functions.map((f) => f.name), ["a", "b"]);
    const p2 = await store.list({ maxItems: 2, ...(p1.nextMarker ? { marker: p1.nextMarker } : {}) });
    assert.deepEqual(p2.functions.map((f) => f.name), ["c", "d"]);
    const p3 = await store.list({ maxItems: 2, ...(p2.nextMarker ? { marker: p2.nextMarker } : {}) });
    assert.deepEqual(p3.functions.map((f) => f.name), ["e"]);
    assert.equal(p3.nextMarker, undefined);
  } finally {
    await pool.end();
  }
});
