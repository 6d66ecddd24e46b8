import { constants } from "node:fs";
import { access, chmod, chown, mkdir, readdir, realpath, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { findBinary } from "./find-binary.ts";
import { freePort } from "./free-port.ts";
import { LogBuffer } from "./log-buffer.ts";
import { waitForPostgres } from "./pg-ready.ts";
import { runCommand, spawnServer, type ServerProcess } from "./process.ts";
import { makeTempDir, type TempDir } from "./temp-dir.ts";
import type { RawPostgres } from "./test-databases.ts";

/**
 * Server settings for every harness PostgreSQL (local or container): logical decoding for the
 * trigger service's change feed, and no durability work, which tests do not need and which makes
 * the server several times faster to write to.
 */
export const POSTGRES_SETTINGS: readonly string[] = [
  "wal_level=logical",
  "max_replication_slots=10",
  "max_wal_senders=10",
];
/** Only for throwaway data: a persistent dir (the dev runner's) keeps PostgreSQL's crash safety. */
export const NON_DURABLE_SETTINGS: readonly string[] = ["fsync=off", "synchronous_commit=off", "full_page_writes=off"];

const STARTUP_TIMEOUT_MS = 30_000;
const BIND_ATTEMPTS = 5;
/** Unix socket paths are limited to 107 bytes (sun_path); the socket file name adds up to 15. */
const MAX_SOCKET_DIR_BYTES = 90;

export interface LocalPostgresOptions {
  dir: string | undefined;
  /** See PostgresOptions.traverseRoot. */
  traverseRoot: string | undefined;
  port: number | undefined;
  debug: boolean;
  keep: boolean;
}

/** Runs initdb (unless the data dir is initialised) and postgres as a child process. */
export async function startLocalPostgres(options: LocalPostgresOptions): Promise<RawPostgres> {
  const bin = await findPostgresBin();
  const user = await serverUser();
  const temps: TempDir[] = [];
  const removeTemps = async (): Promise<void> => {
    for (const temp of temps.reverse()) await temp.remove();
  };

  try {
    let dataDir: string;
    let socketDir: string;
    if (options.dir === undefined) {
      const base = await makeTempDir("pg", options.keep);
      temps.push(base);
      await giveTo(base.path, user);
      dataDir = join(base.path, "data");
      socketDir = base.path;
    } else {
      dataDir = resolve(options.dir);
      await mkdir(dataDir, { recursive: true });
      if (user !== undefined) {
        await makeTraversable(dataDir, options.traverseRoot === undefined ? undefined : resolve(options.traverseRoot));
        if (!(await isInitialised(dataDir))) await giveTo(dataDir, user);
      }
      socketDir = dataDir;
      if (Buffer.byteLength(socketDir) > MAX_SOCKET_DIR_BYTES) {
        const sockets = await makeTempDir("pgsock", false);
        temps.push(sockets);
        await giveTo(sockets.path, user);
        socketDir = sockets.path;
      }
    }

    if (!(await isInitialised(dataDir))) await initdb(bin, dataDir, user);

    const { server, port, logs } = await startServer(bin, dataDir, socketDir, user, options);
    let stopping: Promise<void> | undefined;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      host: "127.0.0.1",
      port,
      dir: dataDir,
      logs: () => logs.text(),
      // Fast shutdown (SIGINT) ends sessions and checkpoints; 10 s covers a slow disk.
      stop: () =>
        (stopping ??= (async () => {
          await server.stop(10_000);
          await removeTemps();
        })()),
      throwaway: options.dir === undefined,
    };
  } catch (error) {
    await removeTemps();
    throw error;
  }
}

interface PostgresBin {
  initdb: string;
  postgres: string;
}

/** The newest /usr/lib/postgresql/<version>/bin (Debian's layout), else the directory of initdb on PATH. */
async function findPostgresBin(): Promise<PostgresBin> {
  const root = "/usr/lib/postgresql";
  const versions = await readdir(root).catch(() => [] as string[]);
  versions.sort((a, b) => b.localeCompare(a, "en", { numeric: true }));
  const dirs = versions.map((version) => join(root, version, "bin"));
  const onPath = await findBinary(["initdb"]);
  // Follow symlinks (e.g. /usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb): postgres
  // lives beside the real initdb.
  if (onPath !== undefined) dirs.push(dirname(await realpath(onPath)));
  for (const dir of dirs) {
    const bin = { initdb: join(dir, "initdb"), postgres: join(dir, "postgres") };
    if ((await isExecutable(bin.initdb)) && (await isExecutable(bin.postgres))) return bin;
  }
  throw new Error(
    "PostgreSQL server binaries (initdb, postgres) not found in /usr/lib/postgresql/*/bin or on PATH: " +
      "install Debian package postgresql (or run scripts/setup.sh), or set FNMESH_TEST_DATABASE_URL " +
      "to use a running server",
  );
}

interface OsUser {
  uid: number;
  gid: number;
}

/** initdb and postgres refuse to run as root: then they run as the `postgres` OS user. */
async function serverUser(): Promise<OsUser | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = await runCommand("id", ["-u", "postgres"]);
  const gid = await runCommand("id", ["-g", "postgres"]);
  if (uid.code !== 0 || gid.code !== 0) {
    throw new Error(
      "running as root, and PostgreSQL refuses to run as root, but there is no `postgres` OS user to " +
        "run it as: install Debian package postgresql (it creates the user) or run tests as another user",
    );
  }
  return { uid: Number(uid.output.trim()), gid: Number(gid.output.trim()) };
}

async function giveTo(path: string, user: OsUser | undefined): Promise<void> {
  if (user !== undefined) await chown(path, user.uid, user.gid);
}

/**
 * The server user must be able to reach the data dir. Directories from `traverseRoot` down were
 * given to us, so they get traverse-only permission (o+x: enter, not list); above it we change
 * nothing and say which directory blocks.
 */
async function makeTraversable(dataDir: string, traverseRoot: string | undefined): Promise<void> {
  const given = (path: string): boolean => {
    if (traverseRoot === undefined) return false;
    const rel = relative(traverseRoot, path);
    return rel === "" || (rel.split(sep)[0] !== ".." && !isAbsolute(rel));
  };
  if (traverseRoot !== undefined && !given(dataDir)) {
    throw new Error(`traverseRoot ${traverseRoot} does not contain the data dir ${dataDir}`);
  }
  // Check every parent before changing any, so a refusal leaves everything as it was.
  const closed: { path: string; mode: number }[] = [];
  for (let current = dirname(dataDir); ; current = dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) {
      if (!given(current)) {
        throw new Error(
          `the postgres OS user cannot enter ${current} (mode ${(mode & 0o777).toString(8)}), so it cannot ` +
            `reach the data dir ${dataDir}: choose a dir elsewhere or allow traversal (chmod o+x ${current})`,
        );
      }
      closed.push({ path: current, mode });
    }
    if (dirname(current) === current) break;
  }
  for (const { path, mode } of closed) await chmod(path, (mode & 0o7777) | 0o001);
}

async function isInitialised(dataDir: string): Promise<boolean> {
  return access(join(dataDir, "PG_VERSION")).then(
    () => true,
    () => false,
  );
}

async function isExecutable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}

async function initdb(bin: PostgresBin, dataDir: string, user: OsUser | undefined): Promise<void> {
  const args = ["-D", dataDir, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"];
  // cwd "/": the server user may not be allowed into the current directory.
  const result = await runCommand(bin.initdb, args, { cwd: "/", ...user });
  if (result.code !== 0) {
    throw new Error(`initdb ${args.join(" ")} failed (exit ${result.code}):\n${result.output}`);
  }
}

/**
 * Starts postgres on the given or a free port. A free port can be taken between choosing and
 * binding it; postgres then exits with "Address already in use" and we try another.
 */
async function startServer(
  bin: PostgresBin,
  dataDir: string,
  socketDir: string,
  user: OsUser | undefined,
  options: LocalPostgresOptions,
): Promise<{ server: ServerProcess; port: number; logs: LogBuffer }> {
  for (let attempt = 1; ; attempt++) {
    const port = options.port ?? (await freePort());
    const logs = new LogBuffer({ echo: options.debug });
    const server = await spawnServer({
      name: "postgres",
      command: bin.postgres,
      args: [
        "-D", dataDir,
        "-p", String(port),
        "-k", socketDir,
        "-c", "listen_addresses=127.0.0.1",
        ...[...POSTGRES_SETTINGS, ...(options.dir === undefined ? NON_DURABLE_SETTINGS : [])].flatMap((setting) => ["-c", setting]),
      ],
      cwd: "/",
      ...user,
      logs,
      stopSignal: "SIGINT", // fast shutdown
      exitSignal: "SIGQUIT", // immediate shutdown: no waiting, but shared memory is released
    });
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    try {
      await waitForPostgres(url, {
        timeoutMs: STARTUP_TIMEOUT_MS,
        check: async () => {
          if (server.exitStatus() === undefined) return;
          const status = await server.exited; // lets the last log lines (the reason) arrive
          throw new Error(`postgres exited during startup (code ${status.code}, signal ${status.signal})`);
        },
      });
      return { server, port, logs };
    } catch (error) {
      await server.stop();
      const portTaken = /address already in use/i.test(logs.text());
      if (portTaken && options.port === undefined && attempt < BIND_ATTEMPTS) continue;
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`${reason}; its log:\n${logs.text()}`, { cause: error });
    }
  }
}
