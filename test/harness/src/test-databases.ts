import pg from "pg";
import { setTimeout as sleep } from "node:timers/promises";
import { randomName } from "./random-name.ts";
import type { Migrate } from "./types.ts";

/** A PostgreSQL server as a start path (local, container, reused) hands it to postgres.ts. */
export interface RawPostgres {
  url: string;
  host: string;
  port: number;
  dir: string | undefined;
  logs(): string;
  stop(): Promise<void>;
  /** True when stop() destroys the server with all its databases, so nothing needs dropping. */
  throwaway: boolean;
}

/** `adminUrl` with its database replaced by `database`. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `sql` on a short-lived connection to `url`. */
export async function adminQuery(url: string, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {}); // the query's own rejection reports failures
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creates a template database and runs `migrate` into it once; returns its name. The name is
 * random so concurrent test processes sharing a server (FNMESH_TEST_DATABASE_URL) each get their
 * own template, migrated with their own code.
 */
export async function createTemplate(adminUrl: string, migrate: Migrate): Promise<string> {
  const template = randomName("fnmesh_template");
  await adminQuery(adminUrl, `CREATE DATABASE ${ident(template)}`);
  try {
    await migrate(databaseUrl(adminUrl, template));
    await waitForNoSessions(adminUrl, template);
    // Nobody may connect from now on: one stray session would make every clone fail.
    await adminQuery(adminUrl, `ALTER DATABASE ${ident(template)} WITH ALLOW_CONNECTIONS false`);
  } catch (error) {
    await dropDatabase(adminUrl, template).catch(() => {});
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migrating the template database failed: ${reason}`, { cause: error });
  }
  return template;
}

/**
 * CREATE DATABASE ... TEMPLATE fails while anyone is connected to the template, so a migrate that
 * leaves a pool open must fail here, by name, rather than in every test. Sessions closed just now
 * can linger for a moment in pg_stat_activity, hence the short wait.
 */
async function waitForNoSessions(adminUrl: string, database: string): Promise<void> {
  const deadline = Date.now() + 1_000;
  for (;;) {
    const result = await adminQuery(
      adminUrl,
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
      [database],
    );
    const open = Number((result.rows[0] as { n?: unknown } | undefined)?.n ?? 0);
    if (open === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `migrate returned with ${open} connection(s) still open to the template; close them ` +
          "(e.g. await pool.end()) before it returns",
      );
    }
    await sleep(50);
  }
}

/** Creates an empty database, or a clone of `template`; returns its name. */
export async function createTestDatabase(adminUrl: string, template: string | undefined): Promise<string> {
  const name = randomName("t");
  const from = template === undefined ? "" : ` TEMPLATE ${ident(template)}`;
  await adminQuery(adminUrl, `CREATE DATABASE ${ident(name)}${from}`);
  return name;
}

/** How long a drop waits for the test's own sessions to go before ending them by force. */
const DROP_PATIENCE_MS = 3_000;

/**
 * Drops a database. Sessions still closing get a moment to go first: `pg.Pool.end()` resolves
 * before its sockets are closed, and a forced drop then sends those clients a FATAL "terminating
 * connection due to administrator command" that surfaces as an uncaught error in whichever test
 * runs next. Sessions still open after the wait are ended by force (PostgreSQL 13+).
 */
export async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const deadline = Date.now() + DROP_PATIENCE_MS;
  while (Date.now() < deadline) {
    try {
      await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${ident(name)}`);
      return;
    } catch (error) {
      // 55006 object_in_use: someone is still connected.
      if ((error as { code?: string }).code !== "55006") throw error;
    }
    await sleep(50);
  }
  await adminQuery(adminUrl, `DROP DATABASE IF EXISTS ${ident(name)} WITH (FORCE)`);
}

function ident(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
