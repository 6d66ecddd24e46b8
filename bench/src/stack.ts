/**
 * The mesh under test, started as `make dev` starts it: nats-server and PostgreSQL from the test
 * harness, then executor, scheduler, trigger and ingest as separate `node` processes. Everything
 * started here is stopped by `stop()`, and children are also SIGKILLed if the bench process exits
 * without calling it.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readdir } from "node:fs/promises";
import { createServer } from "node:net";
import { resolve } from "node:path";
import pg from "pg";
import { startNats, startPostgres } from "@fnmesh/test-harness";
import { migrate } from "@fnmesh/store";

const SERVICES = ["executor", "scheduler", "trigger", "ingest"] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface Credentials { accessKeyId: string; secretAccessKey: string }

/** Distinct from the dev defaults so a stray `make dev` on the same machine cannot answer for us. */
export const BENCH_CREDENTIALS: Credentials = { accessKeyId: "AKIDFNMESHBENCH", secretAccessKey: "fnmesh-bench-secret" };

const LOG_LINES_KEPT = 200;
const HEALTH_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 10_000;

/** What a service process wrote (at FNMESH_LOG_LEVEL=warn, every line is a warning or error). */
export interface ServiceLog {
  service: ServiceName;
  /** Lines written in total, including those no longer kept. */
  total: number;
  /** Of `total`, lines written after `stop()` began (shutdown, not load). */
  whileStopping: number;
  /** The first lines written, up to 200. */
  lines: string[];
  /** Set if the process exited before `stop()`: "code 1" or "SIGSEGV". */
  exitedEarly?: string;
}

export interface Stack {
  /** Lambda API base URL, `http://127.0.0.1:<port>`. */
  readonly endpoint: string;
  readonly credentials: Credentials;
  /** The nats-server every service uses (the async section connects to it too). */
  readonly natsUrl: string;
  /**
   * The database `app` on the stack's PostgreSQL, which the trigger knows as Postgres source `dev`
   * (FNMESH_PG_SOURCES=dev=<this url>), as `make dev` sets it up.
   */
  readonly appDatabaseUrl: string;
  /** nats-server's monitoring base URL (`/varz`, `/jsz`), when the harness started it. */
  readonly natsMonitorUrl: string | undefined;
  /** Process ids of the services and of nats-server (when found), for CPU counters. */
  pids(): { name: string; pid: number }[];
  logs(): ServiceLog[];
  /** Stops the four services only (as `stop()` does), leaving nats-server and PostgreSQL running. */
  stopServices(): Promise<void>;
  /**
   * Stops the services one by one in reverse start order (ingest first, so no request is left
   * dispatching to an executor that is already gone; SIGTERM, then SIGKILL after 10 s), then the
   * servers; idempotent.
   */
  stop(): Promise<void>;
}

interface Service { child: ChildProcess; log: ServiceLog }

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done, fail) => { server.once("error", fail); server.listen(0, "127.0.0.1", done); });
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === "string") throw new Error("no TCP port available on 127.0.0.1");
  return address.port;
}

export interface StackOptions {
  credentials?: Credentials;
  /**
   * Write a V8 CPU profile of every service process into this directory when it stops
   * (`--cpu-prof --cpu-prof-dir`); the profiler's own overhead slows the services a little.
   */
  cpuProfDir?: string;
  /** Executor processes to start (each gets its own id, as `make dev` does with FNMESH_DEV_EXECUTORS). Default 1. */
  executors?: number;
}

function spawnService(root: string, name: ServiceName, env: NodeJS.ProcessEnv, stopping: () => boolean, cpuProfDir?: string): Service {
  const flags = [
    ...(name === "executor" ? ["--no-node-snapshot"] : []),
    ...(cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${cpuProfDir}`, `--cpu-prof-name=${name}.\${pid}.cpuprofile`] : []),
  ];
  const child = spawn(process.execPath, [...flags, resolve(root, `services/${name}/src/main.ts`)], {
    env, stdio: ["ignore", "pipe", "pipe"],
  });
  const log: ServiceLog = { service: name, total: 0, whileStopping: 0, lines: [] };
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line.trim()) continue;
      log.total++;
      if (stopping()) log.whileStopping++;
      if (log.lines.length < LOG_LINES_KEPT) log.lines.push(stopping() ? `(while stopping) ${line}` : line);
    }
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  child.on("exit", (code, signal) => {
    if (!stopping()) log.exitedEarly = signal ?? `code ${code}`;
  });
  return { child, log };
}

async function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((done) => {
    const kill = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
    child.once("exit", () => { clearTimeout(kill); done(); });
    child.kill("SIGTERM");
  });
}

function describeFailure(services: readonly Service[]): string {
  return services.map(({ log }) =>
    `--- ${log.service}${log.exitedEarly ? ` (exited: ${log.exitedEarly})` : ""}\n${log.lines.slice(-40).join("\n") || "(no output)"}`,
  ).join("\n");
}

async function waitHealthy(endpoint: string, services: readonly Service[]): Promise<void> {
  const deadline = Date.now() + HEALTH_TIMEOUT_MS;
  let last = "";
  while (Date.now() < deadline) {
    const dead = services.find((s) => s.log.exitedEarly !== undefined);
    if (dead) throw new Error(`${dead.log.service} exited during startup (${dead.log.exitedEarly})\n${describeFailure(services)}`);
    try {
      const res = await fetch(`${endpoint}/healthz`);
      last = `${res.status} ${await res.text()}`;
      if (res.status === 200) return;
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`fnmesh did not become healthy within ${HEALTH_TIMEOUT_MS} ms (last /healthz: ${last})\n${describeFailure(services)}`);
}

/** The pid in nats-server's ports file name (`nats-server_<pid>.ports`), if there is one. */
async function natsPid(dir: string | undefined): Promise<number | undefined> {
  if (dir === undefined) return undefined;
  const file = (await readdir(dir).catch(() => [])).find((f) => /^nats-server_\d+\.ports$/.test(f));
  return file ? Number(/\d+/.exec(file)?.[0]) : undefined;
}

/** Database `name` on the server at `adminUrl`, created empty if missing (as `make dev` does); returns its URL. */
async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Starts servers and the four services; on any failure stops what it started and rethrows. */
export async function startStack(root: string, options: StackOptions = {}): Promise<Stack> {
  const credentials = options.credentials ?? BENCH_CREDENTIALS;
  const cleanups: (() => Promise<unknown>)[] = [];
  const services: Service[] = [];
  let stopping = false;
  // Last resort if the bench dies without stop(): the harness kills its servers the same way.
  const killAll = () => { for (const s of services) if (s.child.exitCode === null) s.child.kill("SIGKILL"); };
  process.on("exit", killAll);

  let servicesStopped: Promise<void> | undefined;
  const stopServices = () => servicesStopped ??= (async () => {
    stopping = true;
    for (const s of [...services].reverse()) await terminate(s.child);
    process.removeListener("exit", killAll);
  })();
  let stopped: Promise<void> | undefined;
  const stop = () => stopped ??= (async () => {
    await stopServices();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  })();

  try {
    const nats = await startNats();
    cleanups.push(() => nats.stop());
    const postgres = await startPostgres({ migrate: async (url) => { await migrate(url); } });
    cleanups.push(() => postgres.stop());
    const db = await postgres.testDatabase();
    cleanups.push(() => db[Symbol.asyncDispose]());
    // make dev's Postgres source: a database of the user's own on the same server, named `dev`.
    const appDatabaseUrl = await ensureDatabase(postgres.url, "app");

    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      FNMESH_HTTP_HOST: "127.0.0.1",
      FNMESH_HTTP_PORT: String(port),
      FNMESH_ACCESS_KEY_ID: credentials.accessKeyId,
      FNMESH_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      FNMESH_LOG_LEVEL: "warn",
      FNMESH_PG_SOURCES: `dev=${appDatabaseUrl}`,
    };
    for (const name of SERVICES) {
      const count = name === "executor" ? options.executors ?? 1 : 1;
      for (let i = 0; i < count; i++) services.push(spawnService(root, name, env, () => stopping, options.cpuProfDir));
    }
    const endpoint = `http://127.0.0.1:${port}`;
    await waitHealthy(endpoint, services);
    const natsServerPid = await natsPid(nats.dir);
    const pids = () => [
      // A second executor is "executor#2".
      ...services.flatMap((s, i) => {
        const nth = services.slice(0, i).filter((o) => o.log.service === s.log.service).length;
        return s.child.pid === undefined ? [] : [{ name: nth ? `${s.log.service}#${nth + 1}` : s.log.service, pid: s.child.pid }];
      }),
      ...(natsServerPid === undefined ? [] : [{ name: "nats-server" as const, pid: natsServerPid }]),
    ];
    return { endpoint, credentials, natsUrl: nats.url, appDatabaseUrl, natsMonitorUrl: nats.monitorUrl, pids, logs: () => services.map((s) => s.log), stopServices, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
