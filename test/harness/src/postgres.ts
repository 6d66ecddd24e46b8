import { requireContainerRuntime, startPostgresContainer } from "./containers.ts";
import { harnessEnv } from "./env.ts";
import { redact, waitForPostgres } from "./pg-ready.ts";
import { startLocalPostgres } from "./postgres-local.ts";
import {
  createTemplate,
  createTestDatabase,
  databaseUrl,
  dropDatabase,
  type RawPostgres,
} from "./test-databases.ts";
import type { PostgresOptions, PostgresServer, TestDatabase } from "./types.ts";

/**
 * Starts a PostgreSQL server for one test process, in this order of preference: the server at
 * FNMESH_TEST_DATABASE_URL (reused, never stopped); a container when FNMESH_TEST_CONTAINERS=1
 * (unless `dir` is given; an error without a container engine); the local binaries. With `migrate`, the schema is
 * applied once into a template that every `testDatabase()` clones.
 */
export async function startPostgres(options: PostgresOptions = {}): Promise<PostgresServer> {
  const env = harnessEnv();
  const debug = options.debug === true || env.debug;
  let raw: RawPostgres;
  if (env.databaseUrl !== undefined) {
    raw = await reusePostgres(env.databaseUrl);
  } else if (env.containers && options.dir === undefined) {
    await requireContainerRuntime();
    raw = await startPostgresContainer({ port: options.port, debug });
  } else {
    raw = await startLocalPostgres({
      dir: options.dir,
      traverseRoot: options.traverseRoot,
      port: options.port,
      debug,
      keep: env.keep,
    });
  }

  let template: string | undefined;
  try {
    if (options.migrate !== undefined) template = await createTemplate(raw.url, options.migrate);
  } catch (error) {
    await raw.stop();
    throw error;
  }

  const live = new Set<string>();
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= (async () => {
      // A server that outlives us must not collect our databases; a throwaway one dies with them.
      if (!raw.throwaway) {
        for (const name of [...live, ...(template === undefined ? [] : [template])]) {
          await dropDatabase(raw.url, name).catch(() => {});
        }
      }
      live.clear();
      await raw.stop();
    })());

  const testDatabase = async (): Promise<TestDatabase> => {
    if (stopping !== undefined) throw new Error("testDatabase(): the PostgreSQL server was stopped");
    const name = await createTestDatabase(raw.url, template);
    live.add(name);
    const dispose = async (): Promise<void> => {
      // After stop() the database is gone with the server (or was dropped by stop()).
      if (!live.delete(name) || stopping !== undefined) return;
      await dropDatabase(raw.url, name);
    };
    return { url: databaseUrl(raw.url, name), name, [Symbol.asyncDispose]: dispose };
  };

  return {
    url: raw.url,
    host: raw.host,
    port: raw.port,
    dir: raw.dir,
    logs: raw.logs,
    testDatabase,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

async function reusePostgres(url: string): Promise<RawPostgres> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error("FNMESH_TEST_DATABASE_URL is not a URL (expected postgres://user@host:port/database)");
  }
  try {
    await waitForPostgres(url, { timeoutMs: 5_000 });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`FNMESH_TEST_DATABASE_URL ${redact(url)} is not usable: ${reason}`, { cause: error });
  }
  return {
    url,
    host: parsed.hostname,
    port: parsed.port === "" ? 5432 : Number(parsed.port),
    dir: undefined,
    logs: () => `(no logs: reused server at ${redact(url)} from FNMESH_TEST_DATABASE_URL)\n`,
    stop: async () => {},
    throwaway: false,
  };
}
