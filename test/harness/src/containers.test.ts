/**
 * Where servers come from: local binaries unless FNMESH_TEST_CONTAINERS=1 asks for containers, and
 * then containers or a clear error, never a silent fallback. The container cases run where a
 * container engine answers (and the images' registry is reachable) and are skipped elsewhere.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import pg from "pg";
import { containerRuntime, NATS_IMAGE } from "./containers.ts";
import { printLogsOnFailure, startNats, startPostgres } from "./index.ts";

const MB = 1024 * 1024;

/** Runs `fn` with environment variables set (or, for undefined, unset), restoring them afterwards. */
async function withEnv(vars: Record<string, string | undefined>, fn: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  const apply = (values: Record<string, string | undefined>): void => {
    for (const [key, value] of Object.entries(values)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  };
  apply(vars);
  try {
    await fn();
  } finally {
    apply(saved);
  }
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

const noReuse = { FNMESH_TEST_NATS_URL: undefined, FNMESH_TEST_DATABASE_URL: undefined };

test("by default the local binaries run, whether or not a container engine answers", async () => {
  await withEnv({ ...noReuse, FNMESH_TEST_CONTAINERS: undefined }, async () => {
    await using nats = await startNats();
    assert.ok(nats.dir !== undefined && existsSync(join(nats.dir, "nats-server.conf")), "a local nats-server with its own dir");
    await using postgres = await startPostgres();
    assert.ok(postgres.dir !== undefined && existsSync(join(postgres.dir, "PG_VERSION")), "a local PostgreSQL data dir");
  });
});

test("FNMESH_TEST_CONTAINERS=1 with a given dir still runs the local binary (the dev runner's persistent data)", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fnmesh-harness-test-"));
  try {
    await withEnv({ ...noReuse, FNMESH_TEST_CONTAINERS: "1" }, async () => {
      await using nats = await startNats({ dir });
      assert.equal(nats.dir, dir);
    });
    assert.ok(existsSync(join(dir, "nats-server.conf")));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("FNMESH_TEST_CONTAINERS=1 without a container engine fails naming the variable", async (t) => {
  const found = await containerRuntime();
  if (found.available) return t.skip("a container engine answers here");
  await withEnv({ ...noReuse, FNMESH_TEST_CONTAINERS: "1" }, async () => {
    await assert.rejects(startNats(), /FNMESH_TEST_CONTAINERS=1 asks for servers in containers, but no container engine answers/);
    await assert.rejects(startPostgres(), /FNMESH_TEST_CONTAINERS=1 .* no container engine answers/);
  });
});

test("FNMESH_TEST_CONTAINERS=1: NATS from its pinned image, JetStream on, 8 MB max payload", async (t) => {
  const found = await containerRuntime();
  if (!found.available) return t.skip(`no container engine: ${found.reason}`);
  await withEnv({ ...noReuse, FNMESH_TEST_CONTAINERS: "1" }, async () => {
    await using nats = await startNats();
    printLogsOnFailure(t, { nats });
    assert.equal(nats.dir, undefined, "a container has no local dir");
    await using nc = await connect({ servers: nats.url });
    assert.equal(nc.info?.version, NATS_IMAGE.split(":")[1]);
    assert.equal(nc.info?.max_payload, 8 * MB);
    const info = (await nc.request("$JS.API.INFO", "", { timeout: 5_000 })).json<{ type?: string }>();
    assert.equal(info.type, "io.nats.jetstream.api.v1.account_info_response");
  });
});

test("FNMESH_TEST_CONTAINERS=1: PostgreSQL 15 from its pinned image, logical WAL, clones", async (t) => {
  const found = await containerRuntime();
  if (!found.available) return t.skip(`no container engine: ${found.reason}`);
  await withEnv({ ...noReuse, FNMESH_TEST_CONTAINERS: "1" }, async () => {
    await using postgres = await startPostgres({
      migrate: async (url) => {
        await query(url, "CREATE TABLE items (id int PRIMARY KEY)");
      },
    });
    printLogsOnFailure(t, { postgres });
    assert.equal(postgres.dir, undefined, "a container has no local dir");
    const [version] = await query<{ server_version: string }>(postgres.url, "SHOW server_version");
    assert.match(version?.server_version ?? "", /^15\./);
    const [wal] = await query<{ wal_level: string }>(postgres.url, "SHOW wal_level");
    assert.equal(wal?.wal_level, "logical");
    await using db = await postgres.testDatabase();
    assert.deepEqual(await query(db.url, "SELECT id FROM items"), []);
  });
});
