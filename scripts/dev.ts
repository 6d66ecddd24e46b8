/**
 * `make dev`: runs the whole mesh locally. Starts nats-server (JetStream) and PostgreSQL with their
 * data in FNMESH_DATA_DIR (default .fnmesh/) unless NATS_URL / DATABASE_URL point at running ones,
 * applies migrations, starts the four services (FNMESH_DEV_EXECUTORS executors and
 * FNMESH_DEV_SCHEDULERS schedulers), waits for /healthz, and prints how to use it. Once ready, it
 * supervises: a service that dies is restarted with backoff. Ctrl-C / SIGTERM stops every child it
 * started and restarts nothing.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { resolve } from "node:path";
import pg from "pg";
import { startNats, startPostgres } from "@fnmesh/test-harness";
import { migrate } from "@fnmesh/store";

const root = resolve(import.meta.dirname, "..");
const env = process.env;
const dataDir = resolve(root, env.FNMESH_DATA_DIR ?? ".fnmesh");
const httpPort = Number(env.FNMESH_HTTP_PORT ?? 8080);
const stops: (() => Promise<void>)[] = [];
let stopping = false;
/** Set once the mesh is healthy: before that a death is a failed start (say, a bad setting), not a crash. */
let supervising = false;

const say = (msg: string) => process.stdout.write(`[dev] ${msg}\n`);

/** First restart after 0.5 s, doubling to 10 s; a process that stayed up 30 s starts over at 0.5 s. */
const RESTART_FIRST_MS = 500;
const RESTART_MAX_MS = 10_000;
const RESTART_STABLE_MS = 30_000;
const MAX_REPLICAS = 16;

/** One supervised service process: `executor-2` is the second executor's instance. */
interface Instance {
  name: string;
  service: string;
  env: NodeJS.ProcessEnv;
  child?: ChildProcess;
  startedAt: number;
  delayMs: number;
  restartTimer?: NodeJS.Timeout;
}
const instances: Instance[] = [];

/** Stops everything in order, then exits with `code`; once started, later calls change nothing. */
async function shutdown(code: number): Promise<void> {
  if (!stopping) {
    stopping = true;
    say("stopping…");
    // The front door first, so nothing new is dispatched, then the services it dispatches to.
    for (const instance of instances) clearTimeout(instance.restartTimer);
    for (const group of [["ingest"], ["executor", "scheduler", "trigger"]]) {
      const children = instances.filter((i) => group.includes(i.service)).map((i) => i.child);
      await Promise.all(children.filter((c) => c !== undefined).map((child) => new Promise<void>((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        const kill = setTimeout(() => child.kill("SIGKILL"), 35_000);
        child.once("exit", () => { clearTimeout(kill); done(); });
        child.kill("SIGTERM");
      })));
    }
    for (const stop of stops.reverse()) await stop().catch((err: unknown) => say(`stop failed: ${String(err)}`));
    say("stopped");
    process.exit(code);
  }
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    if (!stopping) return void shutdown(0);
    // A second Ctrl-C: give up waiting; the parent-death signals still end services and servers.
    say(`${signal} while stopping: exiting now`);
    process.exit(1);
  });
}
// `make` and `npm` do not forward SIGTERM: when whoever started us dies, we are re-parented, and
// must stop everything rather than leave servers running with nobody to stop them.
const parent = process.ppid;
const watchParent = setInterval(() => {
  if (process.ppid === parent) return;
  clearInterval(watchParent);
  say("the process that started me has exited");
  void shutdown(0);
}, 500).unref();

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

const SETPRIV = ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p));

/** A replica count from the environment: plain decimal 1..16, default 1. */
function replicas(name: string, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return 1;
  const n = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isInteger(n) && n >= 1 && n <= MAX_REPLICAS) return n;
  problems.push(`${name} must be an integer in 1..${MAX_REPLICAS}, got ${JSON.stringify(raw)}`);
  return 1;
}

function spawnService(instance: Instance): void {
  const { name, service } = instance;
  const flags = service === "executor" ? ["--no-node-snapshot"] : [];
  const node = [process.execPath, ...flags, resolve(root, `services/${service}/src/main.ts`)];
  // Each service in its own process group so Ctrl-C reaches only this runner, which stops them in
  // order; setpriv's parent-death signal still stops them if this runner is killed outright.
  const [command, ...args] = SETPRIV ? [SETPRIV, "--pdeathsig", "SIGTERM", "--", ...node] : node;
  const child = spawn(command ?? process.execPath, args, { env: instance.env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  instance.child = child;
  instance.startedAt = Date.now();
  // Whole lines only: a chunk may end mid-line, and a prefixed half-line would garble a JSON log line.
  const relay = (from: NodeJS.ReadableStream | null, out: NodeJS.WriteStream) => {
    let rest = "";
    from?.on("data", (chunk: Buffer) => {
      const lines = (rest + chunk.toString()).split("\n");
      rest = lines.pop() ?? "";
      const text = lines.filter(Boolean).map((l) => `[${name}] ${l}\n`).join("");
      if (text) out.write(text);
    });
    from?.on("end", () => { if (rest) out.write(`[${name}] ${rest}\n`); rest = ""; });
  };
  relay(child.stdout, process.stdout);
  relay(child.stderr, process.stderr);
  child.on("exit", (code, signal) => {
    if (stopping) return;
    const how = signal ?? `code ${code}`;
    if (!supervising) {
      say(`${name} exited unexpectedly (${how}) before the mesh was ready; stopping the mesh`);
      void shutdown(1);
      return;
    }
    if (Date.now() - instance.startedAt >= RESTART_STABLE_MS) instance.delayMs = RESTART_FIRST_MS;
    const delayMs = instance.delayMs;
    instance.delayMs = Math.min(delayMs * 2, RESTART_MAX_MS);
    say(`${name} (pid ${child.pid}) died (${how}); restarting in ${delayMs / 1000} s`);
    instance.restartTimer = setTimeout(() => {
      if (stopping) return;
      spawnService(instance);
      say(`${name} restarted (pid ${instance.child?.pid})`);
    }, delayMs);
  });
}

async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.status === 200) return;
      last = await res.text();
    } catch (err) {
      last = String(err);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`fnmesh did not become healthy within ${timeoutMs} ms: ${last}`);
}

try {
  const problems: string[] = [];
  const executors = replicas("FNMESH_DEV_EXECUTORS", problems);
  const schedulers = replicas("FNMESH_DEV_SCHEDULERS", problems);
  if (problems.length > 0) throw new Error(`invalid make dev settings:\n  - ${problems.join("\n  - ")}`);
  mkdirSync(dataDir, { recursive: true });
  let natsUrl = env.NATS_URL;
  if (!natsUrl) {
    const nats = await startNats({ dir: resolve(dataDir, "nats"), port: Number(env.FNMESH_NATS_PORT ?? 4222) });
    stops.push(() => nats.stop());
    natsUrl = nats.url;
    say(`nats-server (JetStream) on ${natsUrl}, data in ${resolve(dataDir, "nats")}`);
  }
  let databaseUrl = env.DATABASE_URL;
  let pgSources = env.FNMESH_PG_SOURCES;
  if (!databaseUrl) {
    // traverseRoot: as root PostgreSQL runs as the postgres user, which must be able to enter the
    // data dir we were given even when it is private (`mktemp -d`); its parents are left alone.
    const postgres = await startPostgres({
      dir: resolve(dataDir, "postgres"),
      traverseRoot: dataDir,
      port: Number(env.FNMESH_PG_PORT ?? 5433),
    });
    stops.push(() => postgres.stop());
    databaseUrl = await ensureDatabase(postgres.url, "fnmesh");
    say(`PostgreSQL on ${databaseUrl}, data in ${resolve(dataDir, "postgres")}`);
    // A database of the user's own to try change feeds on: event source mappings name it as source `dev`.
    if (!env.FNMESH_PG_SOURCES) {
      const appUrl = await ensureDatabase(postgres.url, "app");
      pgSources = `dev=${appUrl}`;
      say(`Postgres change feeds: source "dev" is database app (${appUrl}); map a table with arn:fnmesh:postgres:<region>:<account>:table/dev/public.<table>`);
    }
  }
  const applied = await migrate(databaseUrl);
  say(applied.length ? `applied migrations ${applied.join(", ")}` : "database schema is up to date");

  const serviceEnv = {
    ...env, NATS_URL: natsUrl, DATABASE_URL: databaseUrl, FNMESH_HTTP_PORT: String(httpPort),
    ...(pgSources ? { FNMESH_PG_SOURCES: pgSources } : {}),
  };
  const add = (service: string, count: number) => {
    for (let i = 1; i <= count; i++) {
      const name = count === 1 ? service : `${service}-${i}`;
      // Several executors get distinct ids, kept across restarts (a user's own id becomes <id>-<n>).
      const id = service === "executor" && count > 1 ? { FNMESH_EXECUTOR_ID: `${env.FNMESH_EXECUTOR_ID ?? service}-${i}` } : {};
      instances.push({ name, service, env: { ...serviceEnv, ...id }, startedAt: 0, delayMs: RESTART_FIRST_MS });
    }
  };
  add("executor", executors);
  add("scheduler", schedulers);
  add("trigger", 1);
  add("ingest", 1);
  for (const instance of instances) spawnService(instance);
  if (executors > 1 || schedulers > 1) say(`${executors} executor(s), ${schedulers} scheduler(s)`);
  const endpoint = `http://${env.FNMESH_HTTP_HOST ?? "127.0.0.1"}:${httpPort}`;
  await waitHealthy(endpoint, 60_000);
  supervising = true;
  say(`fnmesh is ready: Lambda API on ${endpoint}`);
  say(`credentials: AWS_ACCESS_KEY_ID=${env.FNMESH_ACCESS_KEY_ID ?? "fnmesh"} AWS_SECRET_ACCESS_KEY=${env.FNMESH_SECRET_ACCESS_KEY ? "(from FNMESH_SECRET_ACCESS_KEY)" : "fnmesh-dev-secret"} region ${env.FNMESH_REGION ?? "us-east-1"}`);
  say(`try: aws lambda list-functions --endpoint-url ${endpoint}`);
  say("a service that dies is restarted; Ctrl-C stops everything.");
} catch (err) {
  process.stderr.write(`[dev] ${err instanceof Error ? err.message : String(err)}\n`);
  await shutdown(1);
}
