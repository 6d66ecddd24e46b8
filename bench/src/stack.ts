/**
 * The mesh under test, started by `make dev`'s own runner: nats-server and PostgreSQL from the test
 * harness (so a section can stop the services and measure a floor on the same servers), then
 * `scripts/dev.ts` pointed at them through NATS_URL and DATABASE_URL — the way a user runs make dev
 * against servers of their own — which applies migrations, starts executor, scheduler, trigger and
 * ingest with make dev's settings (log level included), supervises them and stops them in order.
 * What the bench measures is therefore what `make dev` runs. Everything started here is stopped by
 * `stop()`; if the bench dies without it, the runner sees its parent go and stops the services.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pg from "pg";
import { startNats, startPostgres } from "@fnmesh/test-harness";

const SERVICES = ["executor", "scheduler", "trigger", "ingest"] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface Credentials { accessKeyId: string; secretAccessKey: string }

/** Distinct from the dev defaults so a stray `make dev` on the same machine cannot answer for us. */
export const BENCH_CREDENTIALS: Credentials = { accessKeyId: "AKIDFNMESHBENCH", secretAccessKey: "fnmesh-bench-secret" };

const LOG_LINES_KEPT = 200;
/** make dev waits 60 s for /healthz itself; this covers its start-up on top. */
const READY_TIMEOUT_MS = 90_000;
/** make dev gives each service 35 s to drain. */
const STOP_GRACE_MS = 45_000;

/** What a service wrote at warn or above (make dev runs them at info; the info lines are not problems). */
export interface ServiceLog {
  service: ServiceName;
  /** Warning and error lines written in total, including those no longer kept. */
  total: number;
  /** Of `total`, lines written after `stop()` began (shutdown, not load). */
  whileStopping: number;
  /** The first such lines, up to 200. */
  lines: string[];
  /** Set if the service's process died before `stop()` (make dev restarts it): the runner's line. */
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
  /** Stops the services (make dev's runner, as Ctrl-C does), leaving nats-server and PostgreSQL running. */
  stopServices(): Promise<void>;
  /** Stops the services, then the servers; idempotent. */
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
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
   * (`--cpu-prof` through NODE_OPTIONS, files renamed `<service>.<pid>.cpuprofile`); the profiler's
   * own overhead slows the services a little.
   */
  cpuProfDir?: string;
  /** Executor processes (make dev's FNMESH_DEV_EXECUTORS). Default 1. */
  executors?: number;
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

/** The runner's service processes (its children running `services/<name>/src/main.ts`), in pid order. */
async function servicePids(runnerPid: number): Promise<{ service: ServiceName; pid: number }[]> {
  const out: { service: ServiceName; pid: number }[] = [];
  for (const name of await readdir("/proc").catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, "utf8");
      if (Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) !== runnerPid) continue;
      const service = /services\/([a-z]+)\/src\/main\.ts/.exec((await readFile(`/proc/${name}/cmdline`, "utf8")).replaceAll("\0", " "))?.[1];
      if (service && (SERVICES as readonly string[]).includes(service)) out.push({ service: service as ServiceName, pid: Number(name) });
    } catch { /* gone meanwhile */ }
  }
  return out.sort((a, b) => a.pid - b.pid);
}

/** `executor-2` (make dev's instance name) → `executor`. */
const serviceOf = (instance: string): ServiceName | undefined => SERVICES.find((s) => instance === s || instance.startsWith(`${s}-`));

/** Starts servers and the four services through make dev's runner; on any failure stops what it started and rethrows. */
export async function startStack(root: string, options: StackOptions = {}): Promise<Stack> {
  const credentials = options.credentials ?? BENCH_CREDENTIALS;
  const cleanups: (() => Promise<unknown>)[] = [];
  const logs = new Map<ServiceName, ServiceLog>(SERVICES.map((service) => [service, { service, total: 0, whileStopping: 0, lines: [] }]));
  const runnerLines: string[] = [];
  let runner: ChildProcess | undefined;
  let stopping = false;
  let services: { service: ServiceName; pid: number }[] = [];
  // Last resort if the bench dies without stop(): the runner's parent-death handling stops the services.
  const killRunner = () => { if (runner?.exitCode === null) runner.kill("SIGKILL"); };
  process.on("exit", killRunner);

  const onLine = (line: string) => {
    const m = /^\[([a-z0-9-]+)\] (.*)$/.exec(line);
    if (!m) return;
    const [, instance = "", text = ""] = m;
    if (instance === "dev") {
      if (runnerLines.length < LOG_LINES_KEPT) runnerLines.push(text);
      const died = /^([a-z]+(?:-\d+)?) \(pid \d+\) died \(([^)]*)\)/.exec(text);
      const log = died ? logs.get(serviceOf(died[1] ?? "") ?? "ingest") : undefined;
      if (log && !stopping) log.exitedEarly ??= died?.[2];
      return;
    }
    const log = logs.get(serviceOf(instance) ?? "ingest");
    if (!log) return;
    let level: unknown;
    try { level = (JSON.parse(text) as { level?: unknown }).level; } catch { level = "error"; /* not a log line: a crash trace */ }
    if (level !== "warn" && level !== "error") return;
    log.total++;
    if (stopping) log.whileStopping++;
    if (log.lines.length < LOG_LINES_KEPT) log.lines.push(stopping ? `(while stopping) ${text}` : text);
  };

  let servicesStopped: Promise<void> | undefined;
  const stopServices = () => servicesStopped ??= (async () => {
    stopping = true;
    const child = runner;
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((done) => {
        const kill = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
        child.once("exit", () => { clearTimeout(kill); done(); });
        child.kill("SIGTERM");
      });
    }
    process.removeListener("exit", killRunner);
    if (options.cpuProfDir) await nameProfiles(options.cpuProfDir, services);
  })();
  let stopped: Promise<void> | undefined;
  const stop = () => stopped ??= (async () => {
    await stopServices();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  })();

  try {
    const nats = await startNats();
    cleanups.push(() => nats.stop());
    const postgres = await startPostgres();
    cleanups.push(() => postgres.stop());
    const db = await postgres.testDatabase();
    cleanups.push(() => db[Symbol.asyncDispose]());
    // make dev's Postgres source: a database of the user's own on the same server, named `dev`.
    const appDatabaseUrl = await ensureDatabase(postgres.url, "app");
    // The runner keeps nothing there when the servers are external, but wants a data dir.
    const dataDir = await mkdtemp(join(tmpdir(), "fnmesh-bench-dev-"));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    const port = await freePort();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NATS_URL: nats.url,
      DATABASE_URL: db.url,
      FNMESH_DATA_DIR: dataDir,
      FNMESH_HTTP_HOST: "127.0.0.1",
      FNMESH_HTTP_PORT: String(port),
      FNMESH_ACCESS_KEY_ID: credentials.accessKeyId,
      FNMESH_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      FNMESH_PG_SOURCES: `dev=${appDatabaseUrl}`,
      FNMESH_DEV_EXECUTORS: String(options.executors ?? 1),
      ...(options.cpuProfDir ? { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --cpu-prof --cpu-prof-dir=${options.cpuProfDir} --cpu-prof-name=\${pid}.cpuprofile`.trim() } : {}),
    };
    // The runner is profiled too (NODE_OPTIONS reaches every node process); nameProfiles drops its profile.
    const child = spawn(process.execPath, [resolve(root, "scripts/dev.ts")], { env, stdio: ["ignore", "pipe", "pipe"] });
    runner = child;
    let buffered = "";
    const collect = (chunk: Buffer) => {
      buffered += chunk.toString("utf8");
      const lines = buffered.split("\n");
      buffered = lines.pop() ?? "";
      for (const line of lines) if (line.trim()) onLine(line);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const endpoint = `http://127.0.0.1:${port}`;
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`make dev's runner was not ready within ${READY_TIMEOUT_MS} ms\n${describe()}`)), READY_TIMEOUT_MS);
      const check = setInterval(() => {
        if (runnerLines.some((l) => l.startsWith("fnmesh is ready"))) { clearTimeout(timer); clearInterval(check); ready(); }
      }, 100);
      child.once("exit", (code, signal) => {
        clearTimeout(timer); clearInterval(check);
        fail(new Error(`make dev's runner exited during start-up (${signal ?? `code ${code}`})\n${describe()}`));
      });
    });
    services = await servicePids(child.pid ?? -1);
    const natsServerPid = await natsPid(nats.dir);
    const pids = () => [
      // A second executor is "executor#2".
      ...services.map((s, i) => {
        const nth = services.slice(0, i).filter((o) => o.service === s.service).length;
        return { name: nth ? `${s.service}#${nth + 1}` : s.service, pid: s.pid };
      }),
      ...(natsServerPid === undefined ? [] : [{ name: "nats-server" as const, pid: natsServerPid }]),
    ];
    return { endpoint, credentials, natsUrl: nats.url, appDatabaseUrl, natsMonitorUrl: nats.monitorUrl, pids, logs: () => [...logs.values()], stopServices, stop };
  } catch (err) {
    await stop();
    throw err;
  }

  function describe(): string {
    return [`--- runner\n${runnerLines.slice(-40).join("\n") || "(no output)"}`,
      ...[...logs.values()].map((l) => `--- ${l.service} (warnings and errors)\n${l.lines.slice(-20).join("\n") || "(none)"}`)].join("\n");
  }
}

/** `<pid>.cpuprofile` → `<service>.<pid>.cpuprofile` for the services; other node processes' profiles (deploy children) are left out. */
async function nameProfiles(dir: string, services: readonly { service: ServiceName; pid: number }[]): Promise<void> {
  const byPid = new Map(services.map((s) => [String(s.pid), s.service]));
  for (const file of await readdir(dir).catch(() => [] as string[])) {
    const pid = /^(\d+)\.cpuprofile$/.exec(file)?.[1];
    if (pid === undefined) continue;
    const service = byPid.get(pid);
    await (service ? rename(join(dir, file), join(dir, `${service}.${pid}.cpuprofile`)) : rm(join(dir, file), { force: true }));
  }
}
