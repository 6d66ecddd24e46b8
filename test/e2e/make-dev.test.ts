/**
 * `make dev` as a user runs it: from a private `mktemp -d` data dir (as root, PostgreSQL then runs
 * as the postgres user) on free ports, it prints its endpoint, /healthz reports every service
 * ready, the README's signed CreateFunction + Invoke answers, and however it is stopped (Ctrl-C,
 * SIGTERM, its parent or itself killed) no process it started is left. With FNMESH_DEV_EXECUTORS=2
 * two executors run, and one killed with SIGKILL is restarted by the runner. Processes are tracked
 * from /proc (the tree under what we spawned, by pid and start time) and from the servers' pid files.
 *
 * `make -o setup dev` skips only the setup target, which `make test` has just run: re-running it
 * from inside a test could reinstall node_modules under the other tests' feet.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test, type TestContext } from "node:test";
import { CreateFunctionCommand, InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { strToU8, zipSync } from "fflate";
import { eventually } from "@fnmesh/test-harness";

const ROOT = resolve(import.meta.dirname, "../..");
/** Generous: a loaded 2-core machine starts two servers and four Node services. */
const READY_TIMEOUT_MS = 180_000;
const STOP_TIMEOUT_MS = 90_000;

/** A process, identified by pid and start time so a reused pid is not mistaken for it. */
interface Proc {
  pid: number;
  start: string;
  cmd: string;
}

function procStat(pid: number): { ppid: number; state: string; start: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid ..."; comm may hold spaces and parentheses. starttime is field 22.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0] ?? "", ppid: Number(fields[1]), start: fields[19] ?? "" };
  } catch {
    return undefined;
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
  } catch {
    return "";
  }
}

/** Every live process below `rootPid` (not counting it). */
function descendants(rootPid: number): Proc[] {
  const children = new Map<number, number[]>();
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const stat = procStat(pid);
    if (stat === undefined) continue;
    children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), pid]);
  }
  const found: Proc[] = [];
  const queue = [...(children.get(rootPid) ?? [])];
  for (let pid = queue.shift(); pid !== undefined; pid = queue.shift()) {
    const stat = procStat(pid);
    if (stat !== undefined) found.push({ pid, start: stat.start, cmd: cmdline(pid) });
    queue.push(...(children.get(pid) ?? []));
  }
  return found;
}

/** Still running: same pid and start time, and not a zombie (PID 1 in a container may not reap). */
function isRunning(proc: Proc): boolean {
  const stat = procStat(proc.pid);
  return stat !== undefined && stat.start === proc.start && stat.state !== "Z";
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, "127.0.0.1", done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  assert.ok(address !== null && typeof address === "object");
  return address.port;
}

interface Dev {
  child: ChildProcess;
  dataDir: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  endpoint: string;
  /** Everything below the spawned process while the mesh runs. */
  tracked: Map<string, Proc>;
  track(): void;
}

/**
 * Starts `how` ("make": `make -o setup dev`; "script": the npm script make calls, run directly so
 * that its exit status is ours to see) in its own process group, as a terminal runs a foreground
 * job, and waits until it says it is ready.
 */
async function startDev(t: TestContext, how: "make" | "script", extraEnv: Record<string, string> = {}): Promise<Dev> {
  const dataDir = await mkdtemp(join(tmpdir(), "fnmesh-make-dev-")); // 0700, like `mktemp -d`
  const [httpPort, natsPort, pgPort] = [await freePort(), await freePort(), await freePort()];
  const env: NodeJS.ProcessEnv = {};
  // A user's shell: no servers to reuse, no fnmesh settings but the ones under test, and nothing
  // from the `make test` / `npm test` running this file (MAKELEVEL, MAKEFLAGS, npm_*).
  const inherited = /^(FNMESH_|NATS_URL$|DATABASE_URL$|MAKE|MFLAGS$|npm_)/;
  for (const [key, value] of Object.entries(process.env)) {
    if (!inherited.test(key)) env[key] = value;
  }
  Object.assign(env, {
    FNMESH_DATA_DIR: dataDir,
    FNMESH_HTTP_PORT: String(httpPort),
    FNMESH_NATS_PORT: String(natsPort),
    FNMESH_PG_PORT: String(pgPort),
    ...extraEnv,
  });
  let command: string;
  let args: string[];
  if (how === "make") {
    [command, args] = ["make", ["--no-print-directory", "-o", "setup", "dev"]];
  } else {
    // The exact npm script, with this (Node 24) node in place of the `node` make puts first on PATH.
    const script = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { dev: string } }).scripts.dev;
    const [node, ...rest] = script.split(" ");
    assert.equal(node, "node", `unexpected dev script: ${script}`);
    [command, args] = [process.execPath, rest];
  }
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) stream?.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((done) =>
    child.once("exit", (code, signal) => done({ code, signal })),
  );
  const tracked = new Map<string, Proc>();
  const track = (): void => {
    if (child.pid === undefined) return;
    for (const proc of descendants(child.pid)) tracked.set(`${proc.pid}/${proc.start}`, proc);
  };
  t.after(async () => {
    // Whatever happened, leave nothing behind for the next test.
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    for (const proc of tracked.values()) if (isRunning(proc)) process.kill(proc.pid, "SIGKILL");
    if (process.env.FNMESH_TEST_DEBUG === "1") process.stderr.write(`--- make dev output ---\n${output}\n`);
    await rm(dataDir, { recursive: true, force: true });
  });

  const dev: Dev = { child, dataDir, output: () => output, exited, endpoint: "", tracked, track };
  await withOutput(dev, async () => {
    const seen = await eventually(
      (): { endpoint: string } | { exited: true } => {
        const match = /\[dev\] fnmesh is ready: Lambda API on (http:\/\/\S+)/.exec(output);
        if (match?.[1] !== undefined) return { endpoint: match[1] };
        if (child.exitCode !== null || child.signalCode !== null) return { exited: true };
        throw new Error("no ready line yet");
      },
      { name: "make dev prints its endpoint", timeoutMs: READY_TIMEOUT_MS, intervalMs: 200 },
    );
    assert.ok("endpoint" in seen, "make dev exited before it was ready");
    dev.endpoint = seen.endpoint;
  });
  assert.equal(dev.endpoint, `http://127.0.0.1:${httpPort}`);
  return dev;
}

/** Runs `fn`; if it fails, the error carries the tail of make dev's output. */
async function withOutput<T>(dev: Dev, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`${message}\n--- make dev output (tail) ---\n${dev.output().slice(-8_000)}`, { cause: error });
  }
}

/** /healthz is 200 with every service ready, and the servers and services it started are tracked. */
async function checkRunning(dev: Dev): Promise<void> {
  const health = await eventually(
    async () => {
      const res = await fetch(`${dev.endpoint}/healthz`);
      const body = (await res.json()) as { status: string; checks: Record<string, string> };
      assert.equal(res.status, 200, JSON.stringify(body));
      return body;
    },
    { name: "/healthz is 200", timeoutMs: 60_000 },
  );
  assert.deepEqual(health, {
    status: "ok",
    checks: { ingest: "ready", nats: "connected", postgres: "ok", executor: "ready", scheduler: "ready", trigger: "ready" },
  });

  dev.track();
  const pids = [...dev.tracked.values()].map((proc) => proc.pid);
  const portsFile = readdirSync(join(dev.dataDir, "nats")).find((file) => /^nats-server_\d+\.ports$/.test(file));
  assert.ok(portsFile, "nats-server's ports file in the data dir");
  assert.ok(pids.includes(Number(/\d+/.exec(portsFile)?.[0])), "nats-server runs under make dev");
  const postmaster = Number(readFileSync(join(dev.dataDir, "postgres", "postmaster.pid"), "utf8").split("\n")[0]);
  assert.ok(pids.includes(postmaster), "postgres runs under make dev");
  for (const service of ["ingest", "executor", "scheduler", "trigger"]) {
    assert.ok(
      [...dev.tracked.values()].some((proc) => proc.cmd.includes(`services/${service}/src/main.ts`)),
      `${service} runs under make dev`,
    );
  }
}

/** The README's example: a signed CreateFunction, then Invoke with the log tail. */
async function createAndInvoke(endpoint: string): Promise<void> {
  const lambda = new LambdaClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "fnmesh", secretAccessKey: "fnmesh-dev-secret" },
  });
  try {
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: "hello",
        Runtime: "nodejs22.x",
        Handler: "index.handler",
        Role: "arn:aws:iam::000000000000:role/any",
        Code: {
          ZipFile: zipSync({
            "index.mjs": strToU8(`export const handler = async (event, context) => {
              console.log("hello from", context.functionName);
              return { greeting: "hello " + event.name };
            };`),
          }),
        },
      }),
    );
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: "hello", LogType: "Tail", Payload: JSON.stringify({ name: "ada" }) }),
    );
    assert.equal(out.StatusCode, 200);
    assert.equal(out.FunctionError, undefined);
    assert.equal(new TextDecoder().decode(out.Payload), '{"greeting":"hello ada"}');
    assert.match(Buffer.from(out.LogResult ?? "", "base64").toString(), /\tINFO\thello from hello\n/);
  } finally {
    lambda.destroy();
  }
}

/** Nothing that ran under make dev still runs. */
async function assertNothingLeft(dev: Dev): Promise<void> {
  await eventually(
    () => {
      const left = [...dev.tracked.values()].filter(isRunning).map((proc) => `${proc.pid} ${proc.cmd}`);
      assert.deepEqual(left, [], "processes left running");
    },
    { name: "every process make dev started has ended", timeoutMs: STOP_TIMEOUT_MS },
  );
  assert.ok(existsSync(join(dev.dataDir, "postgres", "PG_VERSION")), "the data dir is kept for the next run");
}

test("make dev from a private mktemp -d dir: ready, /healthz all ready, README's SDK calls answer; Ctrl-C stops everything", async (t) => {
  const dev = await startDev(t, "make");
  await withOutput(dev, async () => {
    await checkRunning(dev);
    await createAndInvoke(dev.endpoint);
    dev.track(); // connections the calls opened (PostgreSQL backends) too

    // Ctrl-C: the terminal signals the whole foreground process group.
    assert.ok(dev.child.pid !== undefined);
    process.kill(-dev.child.pid, "SIGINT");
    const status = await dev.exited;
    // GNU make waits for its recipe to finish, then ends itself by the same signal (the shell's 130).
    assert.deepEqual(status, { code: null, signal: "SIGINT" });
    assert.match(dev.output(), /\[dev\] stopping…\n(?:.*\n)*\[dev\] stopped\n/);
    assert.doesNotMatch(dev.output(), /stop failed|exited unexpectedly/);
    await assertNothingLeft(dev);
  });
});

test("make dev's npm script exits 0 on SIGTERM after stopping everything it started", async (t) => {
  const dev = await startDev(t, "script");
  await withOutput(dev, async () => {
    await checkRunning(dev);
    assert.ok(dev.child.pid !== undefined);
    process.kill(dev.child.pid, "SIGTERM"); // a process manager stops the runner it started
    assert.deepEqual(await dev.exited, { code: 0, signal: null });
    assert.match(dev.output(), /\[dev\] stopped\n/);
    assert.doesNotMatch(dev.output(), /stop failed|exited unexpectedly/);
    await assertNothingLeft(dev);
  });
});

/** The dev runner (`node … scripts/dev.ts`) among the tracked processes. */
function runnerOf(dev: Dev): Proc {
  const runner = [...dev.tracked.values()].find((proc) => / scripts\/dev\.ts$/.test(proc.cmd) && /node$/.test(proc.cmd.split(" ")[0] ?? ""));
  assert.ok(runner, "the dev runner runs under make");
  return runner;
}

test("make dev stops everything when the process that started its runner is killed", async (t) => {
  const dev = await startDev(t, "make");
  await withOutput(dev, async () => {
    await checkRunning(dev);
    const parent = procStat(runnerOf(dev).pid)?.ppid;
    assert.ok(parent !== undefined, "the runner's parent");
    process.kill(parent, "SIGKILL");
    await eventually(() => /\[dev\] stopped\n/.test(dev.output()), { name: "the runner noticed and stopped", timeoutMs: STOP_TIMEOUT_MS });
    await assertNothingLeft(dev);
    await dev.exited;
  });
});

test("make dev leaves nothing when its runner itself is killed with SIGKILL", async (t) => {
  const dev = await startDev(t, "make");
  await withOutput(dev, async () => {
    await checkRunning(dev);
    // No code runs in the runner: the kernel's parent-death signals end the services and servers.
    process.kill(runnerOf(dev).pid, "SIGKILL");
    await assertNothingLeft(dev);
    await dev.exited;
  });
});

/** A process's FNMESH_EXECUTOR_ID, from /proc/<pid>/environ. */
function executorId(pid: number): string | undefined {
  const environ = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  return environ.find((entry) => entry.startsWith("FNMESH_EXECUTOR_ID="))?.slice("FNMESH_EXECUTOR_ID=".length);
}

/** The running executor processes under make dev (the node process, not the setpriv that exec'd it). */
function runningExecutors(dev: Dev): Proc[] {
  dev.track();
  return [...dev.tracked.values()].filter((proc) => isRunning(proc) && /services\/executor\/src\/main\.ts/.test(proc.cmd));
}

test("make dev with FNMESH_DEV_EXECUTORS=2 runs two executors; one killed with SIGKILL is restarted with a [dev] line and Invoke answers; SIGTERM then leaves nothing", async (t) => {
  const dev = await startDev(t, "script", { FNMESH_DEV_EXECUTORS: "2" });
  await withOutput(dev, async () => {
    await checkRunning(dev);
    const executors = runningExecutors(dev);
    assert.equal(executors.length, 2, executors.map((proc) => proc.cmd).join("\n"));
    assert.deepEqual(executors.map((proc) => executorId(proc.pid)).sort(), ["executor-1", "executor-2"]);

    const [victim] = executors;
    assert.ok(victim !== undefined);
    const name = executorId(victim.pid);
    process.kill(victim.pid, "SIGKILL");
    const restarted = await eventually(
      () => {
        const died = new RegExp(`\\[dev\\] ${name} \\(pid ${victim.pid}\\) died \\(SIGKILL\\); restarting in [\\d.]+ s\\n`).exec(dev.output());
        assert.ok(died, "a [dev] line says the executor died by SIGKILL");
        const line = new RegExp(`\\[dev\\] ${name} restarted \\(pid (\\d+)\\)\\n`).exec(dev.output().slice(died.index));
        assert.ok(line?.[1], "a [dev] line says it was restarted");
        return Number(line[1]);
      },
      { name: `${name} is restarted`, timeoutMs: 60_000 },
    );
    await eventually(
      () => {
        const now = runningExecutors(dev);
        assert.equal(now.length, 2, now.map((proc) => proc.cmd).join("\n"));
        assert.ok(now.some((proc) => proc.pid === restarted), `the replacement ${restarted} runs`);
        assert.equal(executorId(restarted), name, "the replacement keeps the executor id");
        assert.ok(!now.some((proc) => proc.pid === victim.pid && proc.start === victim.start), "the killed one is gone");
      },
      { name: "the replacement executor runs beside the other", timeoutMs: 30_000 },
    );
    // The replacement joined the mesh: it says so in its own log lines.
    await eventually(
      () => new RegExp(`\\[${name}\\] .*executor ready`).test(dev.output().slice(dev.output().indexOf(`${name} restarted`))),
      { name: `${name} ready again`, timeoutMs: 60_000 },
    );
    await createAndInvoke(dev.endpoint);
    dev.track();

    assert.ok(dev.child.pid !== undefined);
    process.kill(dev.child.pid, "SIGTERM");
    assert.deepEqual(await dev.exited, { code: 0, signal: null });
    const stopping = dev.output().slice(dev.output().indexOf("[dev] stopping…"));
    assert.match(stopping, /\[dev\] stopped\n/);
    assert.doesNotMatch(stopping, /\[dev\] .*(restart|died)/, "an orderly stop restarts nothing");
    assert.doesNotMatch(dev.output(), /stop failed|exited unexpectedly/);
    await assertNothingLeft(dev);
  });
});

test("make dev refuses replica counts outside 1..16, naming each variable, before starting anything", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), "fnmesh-make-dev-"));
  try {
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, FNMESH_DATA_DIR: join(dataDir, "data"),
      FNMESH_DEV_EXECUTORS: "0", FNMESH_DEV_SCHEDULERS: "2x" };
    const child = spawn(process.execPath, ["--no-node-snapshot", "scripts/dev.ts"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    for (const stream of [child.stdout, child.stderr]) stream.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
    const code = await new Promise<number | null>((done) => child.once("close", (exitCode) => done(exitCode)));
    assert.equal(code, 1, output);
    assert.match(output, /FNMESH_DEV_EXECUTORS must be an integer in 1\.\.16, got "0"/);
    assert.match(output, /FNMESH_DEV_SCHEDULERS must be an integer in 1\.\.16, got "2x"/);
    assert.equal(existsSync(join(dataDir, "data")), false, "nothing was started or created");
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
