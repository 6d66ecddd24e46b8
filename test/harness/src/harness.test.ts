import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import pg from "pg";
import { eventually, printLogsOnFailure, randomName, startNats, startPostgres } from "./index.ts";
import { LogBuffer } from "./log-buffer.ts";

const MB = 1024 * 1024;

function containersRequested(): boolean {
  return ["1", "true"].includes(process.env.FNMESH_TEST_CONTAINERS ?? "");
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** The pid from the ports file nats-server writes into its dir (local servers only). */
async function natsPid(dir: string): Promise<number> {
  const name = (await readdir(dir)).find((file) => /^nats-server_\d+\.ports$/.test(file));
  assert.ok(name, `no ports file in ${dir}`);
  return Number(/\d+/.exec(name)?.[0]);
}

/** The postmaster's pid: the first line of postmaster.pid in the data dir. */
async function postmasterPid(dataDir: string): Promise<number> {
  const [first] = (await readFile(join(dataDir, "postmaster.pid"), "utf8")).split("\n");
  return Number(first);
}

async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

const migrate = async (url: string): Promise<void> => {
  await query(url, "CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL)");
};

test("nats: request/reply, JetStream enabled, 8 MB max payload", async (t) => {
  await using nats = await startNats();
  printLogsOnFailure(t, { nats });
  await using nc = await connect({ servers: nats.url });

  const subject = `harness.${randomName("echo")}`;
  nc.subscribe(subject, {
    callback: (_error, msg) => {
      msg.respond(`${msg.data.length}:${msg.string().slice(0, 5)}`);
    },
  });
  const reply = await nc.request(subject, "hello", { timeout: 2_000 });
  assert.equal(reply.string(), "5:hello");

  const info = (await nc.request("$JS.API.INFO", "", { timeout: 2_000 })).json<{ type?: string; error?: unknown }>();
  assert.equal(info.error, undefined);
  assert.equal(info.type, "io.nats.jetstream.api.v1.account_info_response");

  assert.equal(nc.info?.max_payload, 8 * MB);
  const big = new Uint8Array(2 * MB).fill(7);
  const bigReply = await nc.request(subject, big, { timeout: 5_000 });
  assert.equal(bigReply.string().split(":")[0], String(2 * MB));
});

test("nats: jetstream: false starts a core-only server", async (t) => {
  if (process.env.FNMESH_TEST_NATS_URL) return t.skip("reusing a server");
  await using nats = await startNats({ jetstream: false });
  await using nc = await connect({ servers: nats.url });
  await assert.rejects(nc.request("$JS.API.INFO", "", { timeout: 1_000 }), /no responders|503/i);
});

test("nats: stop ends the process and removes the temp dir", async (t) => {
  const nats = await startNats();
  if (nats.dir === undefined) {
    await nats.stop();
    t.skip("not a local server");
    return;
  }
  const dir = nats.dir;
  const pid = await natsPid(dir);
  assert.ok(isAlive(pid));
  await nats.stop();
  await nats.stop(); // idempotent
  assert.equal(isAlive(pid), false, `nats-server ${pid} still alive`);
  assert.equal(existsSync(dir), process.env.FNMESH_TEST_KEEP === "1");
  assert.match(nats.logs(), /Server is ready/);
});

test("nats: an early exit rejects with the server's log", async (t) => {
  if (process.env.FNMESH_TEST_NATS_URL) return t.skip("reusing a server");
  // The local binary's own startup error; a container maps the port on the engine's side instead.
  if (containersRequested()) return t.skip("FNMESH_TEST_CONTAINERS=1: checks the local binary only");
  const blocker = createServer();
  await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
  const address = blocker.address();
  assert.ok(address !== null && typeof address === "object");
  try {
    await assert.rejects(startNats({ port: address.port }), (error: Error) => {
      assert.match(error.message, /exited during startup/);
      assert.match(error.message, /address already in use/i);
      return true;
    });
  } finally {
    blocker.close();
  }
});

test("nats: a given dir is used and kept", async (t) => {
  if (process.env.FNMESH_TEST_NATS_URL) return t.skip("reusing a server");
  const dir = await mkdtemp(join(tmpdir(), "fnmesh-harness-test-"));
  try {
    {
      await using nats = await startNats({ dir });
      assert.equal(nats.dir, dir);
    }
    assert.ok(existsSync(join(dir, "nats-server.conf")));
    assert.ok(existsSync(join(dir, "js", "jetstream")));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("postgres: logical WAL, migrated clones that are independent and dropped on dispose", async (t) => {
  await using postgres = await startPostgres({ migrate });
  printLogsOnFailure(t, { postgres });

  const [wal] = await query<{ wal_level: string }>(postgres.url, "SHOW wal_level");
  assert.equal(wal?.wal_level, "logical");

  const dropped: string[] = [];
  {
    await using a = await postgres.testDatabase();
    await using b = await postgres.testDatabase();
    assert.notEqual(a.name, b.name);
    assert.match(a.name, /^t_[0-9a-f]{16}$/);
    assert.ok(a.url.endsWith(`/${a.name}`));

    await query(a.url, "INSERT INTO items VALUES (1, 'only in a')");
    assert.deepEqual(await query(a.url, "SELECT label FROM items"), [{ label: "only in a" }]);
    assert.deepEqual(await query(b.url, "SELECT label FROM items"), []);
    dropped.push(a.name, b.name);
  }
  const left = await query<{ datname: string }>(
    postgres.url,
    "SELECT datname FROM pg_database WHERE datname = ANY($1)",
    [dropped],
  );
  assert.deepEqual(left, []);
});

test("postgres: without migrate, test databases are empty", async () => {
  await using postgres = await startPostgres();
  await using db = await postgres.testDatabase();
  const tables = await query(db.url, "SELECT tablename FROM pg_tables WHERE schemaname = 'public'");
  assert.deepEqual(tables, []);
});

test("postgres: a migrate that leaves a connection open fails by name", async () => {
  const leaked: pg.Client[] = [];
  try {
    await assert.rejects(
      startPostgres({
        migrate: async (url) => {
          const client = new pg.Client({ connectionString: url });
          client.on("error", () => {});
          await client.connect();
          leaked.push(client);
        },
      }),
      /still open to the template/,
    );
  } finally {
    for (const client of leaked) await client.end().catch(() => {});
  }
});

test("postgres: stop ends the server and removes the temp dir", async (t) => {
  const postgres = await startPostgres();
  if (postgres.dir === undefined) {
    await postgres.stop();
    return t.skip("not a local server");
  }
  const dataDir = postgres.dir;
  const pid = await postmasterPid(dataDir);
  assert.ok(isAlive(pid));
  await postgres.stop();
  await postgres.stop(); // idempotent
  assert.equal(isAlive(pid), false, `postgres ${pid} still alive`);
  assert.equal(existsSync(dataDir), process.env.FNMESH_TEST_KEEP === "1");
  await assert.rejects(postgres.testDatabase(), /stopped/);
});

test("postgres: a given dir is initialised once and its data survives a restart", async (t) => {
  if (process.env.FNMESH_TEST_DATABASE_URL) return t.skip("reusing a server");
  const base = await mkdtemp(join(tmpdir(), "fnmesh-harness-test-"));
  const dir = join(base, "pgdata");
  // Like a checkout, unlike mkdtemp's 0700: when running as root the server runs as the postgres
  // user, which must be able to reach the data dir.
  await chmod(base, 0o755);
  try {
    {
      await using postgres = await startPostgres({ dir });
      assert.equal(postgres.dir, dir);
      await query(postgres.url, "CREATE TABLE kept (v text)");
      await query(postgres.url, "INSERT INTO kept VALUES ('still here')");
    }
    assert.ok(existsSync(join(dir, "PG_VERSION")));
    {
      await using postgres = await startPostgres({ dir });
      assert.deepEqual(await query(postgres.url, "SELECT v FROM kept"), [{ v: "still here" }]);
    }
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

/** Runs `fn` with environment variables set, restoring them afterwards. */
async function withEnv(vars: Record<string, string>, fn: () => Promise<void>): Promise<void> {
  const saved = Object.fromEntries(Object.keys(vars).map((key) => [key, process.env[key]]));
  Object.assign(process.env, vars);
  try {
    await fn();
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
}

test("reuse: FNMESH_TEST_NATS_URL is used and never stopped", async () => {
  await using nats = await startNats();
  await withEnv({ FNMESH_TEST_NATS_URL: nats.url }, async () => {
    const reused = await startNats();
    assert.equal(reused.url, nats.url);
    assert.equal(reused.monitorUrl, undefined);
    await reused.stop();
  });
  await using nc = await connect({ servers: nats.url }); // still up
  await nc.flush();
});

test("reuse: FNMESH_TEST_DATABASE_URL gets its own template, and stop drops what it made", async () => {
  await using postgres = await startPostgres();
  const ours = async (): Promise<string[]> =>
    (
      await query<{ datname: string }>(
        postgres.url,
        "SELECT datname FROM pg_database WHERE datname LIKE 'fnmesh_template%' OR datname LIKE 't\\_%'",
      )
    ).map((row) => row.datname);
  await withEnv({ FNMESH_TEST_DATABASE_URL: postgres.url }, async () => {
    const reused = await startPostgres({ migrate });
    assert.equal(reused.url, postgres.url);
    assert.equal(reused.dir, undefined);
    const kept = await reused.testDatabase(); // not disposed: stop() must drop it
    await using disposed = await reused.testDatabase();
    assert.deepEqual(await query(kept.url, "SELECT * FROM items"), []);
    assert.equal((await ours()).length, 3); // template + 2 clones
    await reused.stop();
    assert.deepEqual(await ours(), []);
    await disposed[Symbol.asyncDispose](); // after stop: a no-op, not an error
  });
  const [one] = await query<{ n: number }>(postgres.url, "SELECT 1 AS n"); // still up
  assert.equal(one?.n, 1);
});

test("postgres: as root, an unreachable dir is an error naming the blocking directory", async (t) => {
  if (process.getuid?.() !== 0 || process.env.FNMESH_TEST_DATABASE_URL) return t.skip("only as root, locally");
  const base = await mkdtemp(join(tmpdir(), "fnmesh-harness-test-")); // 0700 root
  try {
    await assert.rejects(startPostgres({ dir: join(base, "pgdata") }), (error: Error) => {
      assert.ok(error.message.includes(`cannot enter ${base}`), error.message);
      return true;
    });
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test("postgres: as root, a private (0700) dir given as traverseRoot gets traverse-only permission and works", async (t) => {
  if (process.getuid?.() !== 0) return t.skip("only as root: then the server runs as the postgres OS user");
  if (process.env.FNMESH_TEST_DATABASE_URL) return t.skip("reusing a server");
  const base = await mkdtemp(join(tmpdir(), "fnmesh-harness-test-")); // 0700 root, like `mktemp -d`
  const tmpMode = (await stat(tmpdir())).mode;
  try {
    {
      await using postgres = await startPostgres({ dir: join(base, "pgdata"), traverseRoot: base });
      const [one] = await query<{ n: number }>(postgres.url, "SELECT 1 AS n");
      assert.equal(one?.n, 1);
    }
    assert.equal((await stat(base)).mode & 0o777, 0o701, "enter, but not list, for others");
    assert.equal((await stat(tmpdir())).mode, tmpMode, "the parent above traverseRoot is unchanged");
  } finally {
    await rm(base, { recursive: true, force: true });
  }
});

test("postgres: as root, a closed parent above traverseRoot is refused by name and nothing is changed", async (t) => {
  if (process.getuid?.() !== 0) return t.skip("only as root: then the server runs as the postgres OS user");
  if (process.env.FNMESH_TEST_DATABASE_URL) return t.skip("reusing a server");
  const outer = await mkdtemp(join(tmpdir(), "fnmesh-harness-test-")); // 0700 root
  const given = join(outer, "given");
  await mkdir(given, { mode: 0o700 });
  try {
    await assert.rejects(startPostgres({ dir: join(given, "pgdata"), traverseRoot: given }), (error: Error) => {
      assert.ok(error.message.includes(`cannot enter ${outer}`), error.message);
      return true;
    });
    assert.equal((await stat(given)).mode & 0o777, 0o700);
    assert.equal((await stat(outer)).mode & 0o777, 0o700);
  } finally {
    await rm(outer, { recursive: true, force: true });
  }
});

test("eventually: retries until success, and until true for booleans", async () => {
  let calls = 0;
  const value = await eventually(
    () => {
      calls++;
      if (calls < 3) throw new Error("not yet");
      return "done";
    },
    { name: "third call", intervalMs: 5 },
  );
  assert.equal(value, "done");
  assert.equal(calls, 3);

  let flips = 0;
  assert.equal(await eventually(() => ++flips >= 2, { name: "second flip", intervalMs: 5 }), true);
});

test("eventually: times out naming the condition and the last error", async () => {
  await assert.rejects(
    eventually(
      () => {
        throw new Error("consumer has 2 messages");
      },
      { name: "consumer sees 3 messages", timeoutMs: 200, intervalMs: 20 },
    ),
    (error: Error) => {
      assert.match(error.message, /consumer sees 3 messages/);
      assert.match(error.message, /timed out after 200 ms/);
      assert.match(error.message, /consumer has 2 messages/);
      return true;
    },
  );
  await assert.rejects(eventually(() => false, { name: "never true", timeoutMs: 100 }), /never true.*returned false/);
  // A hung attempt is abandoned at the deadline.
  await assert.rejects(
    eventually(() => new Promise(() => {}), { name: "hangs", timeoutMs: 100 }),
    /hangs.*still running/,
  );
});

test("randomName: unique, and safe for NATS and PostgreSQL names", () => {
  const a = randomName("orders");
  assert.match(a, /^orders_[0-9a-f]{16}$/);
  assert.notEqual(a, randomName("orders"));
  assert.throws(() => randomName("Bad.Prefix"), /prefix/);
});

test("LogBuffer keeps only the tail", () => {
  const logs = new LogBuffer({ echo: false, capBytes: 100 });
  for (let i = 0; i < 100; i++) logs.append(`line ${i}\n`);
  const text = logs.text();
  assert.match(text, /^\[\.\.\. earlier output dropped/);
  assert.ok(text.endsWith("line 99\n"));
  assert.ok(!text.includes("line 50\n"));
  assert.ok(text.length < 160);
});
