/**
 * A test process that dies without stopping its servers leaves none running: killed outright
 * (SIGKILL: no code runs), the kernel's parent-death signal ends them and the next start sweeps
 * their temp dirs; exiting abruptly (process.exit), the exit hook ends them and removes the dirs.
 * The dying process is a child started here; every wait is on a condition.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { test, type TestContext } from "node:test";
import { pathToFileURL } from "node:url";
import { eventually, startNats, startPostgres } from "./index.ts";

interface Started {
  natsDir: string;
  pgDataDir: string;
}

/** The child starts both servers, prints their dirs, then waits: a line on stdin makes it exit at once. */
const CHILD = `
import { startNats, startPostgres } from ${JSON.stringify(pathToFileURL(join(import.meta.dirname, "index.ts")).href)};
const nats = await startNats();
const postgres = await startPostgres();
process.stdout.write(JSON.stringify({ natsDir: nats.dir, pgDataDir: postgres.dir }) + "\\n");
process.stdin.once("data", () => process.exit(3));
`;

function startChild() {
  const env = { ...process.env };
  // A server of its own, from local binaries: the mechanism under test.
  for (const key of ["FNMESH_TEST_NATS_URL", "FNMESH_TEST_DATABASE_URL", "FNMESH_TEST_CONTAINERS", "FNMESH_TEST_KEEP"]) delete env[key];
  const child = spawn(process.execPath, ["--input-type=module", "-e", CHILD], { env, stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once("exit", (code, signal) => resolve({ code, signal })),
  );
  const started = new Promise<Started>((resolve, reject) => {
    createInterface({ input: child.stdout }).once("line", (line) => resolve(JSON.parse(line) as Started));
    void exited.then((status) => reject(new Error(`child exited before its servers ran (${JSON.stringify(status)}):\n${stderr}`)));
  });
  return { child, started, exited };
}

/** Running, as opposed to gone or a zombie nobody has reaped yet (PID 1 in a container may not reap). */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/** If a test fails, do not leave its servers to the next one. */
function killOnFailure(t: TestContext, pids: { nats: number; postgres: number }): void {
  t.after(() => {
    for (const pid of [pids.nats, pids.postgres]) {
      if (isRunning(pid)) process.kill(pid, "SIGKILL");
    }
  });
}

async function serverPids(started: Started): Promise<{ nats: number; postgres: number }> {
  const ports = (await readdir(started.natsDir)).find((file) => /^nats-server_\d+\.ports$/.test(file));
  assert.ok(ports, `no ports file in ${started.natsDir}`);
  const [postmaster] = (await readFile(join(started.pgDataDir, "postmaster.pid"), "utf8")).split("\n");
  return { nats: Number(/\d+/.exec(ports)?.[0]), postgres: Number(postmaster) };
}

test("a test process killed with SIGKILL leaves no server running, and its temp dirs are swept by the next start", async (t) => {
  if (process.platform !== "linux") return t.skip("the parent-death signal is Linux-only");
  const { child, started, exited } = startChild();
  const dirs = await started;
  const pids = await serverPids(dirs);
  killOnFailure(t, pids);
  assert.ok(isRunning(pids.nats) && isRunning(pids.postgres), "both servers run before the kill");

  child.kill("SIGKILL");
  assert.equal((await exited).signal, "SIGKILL");
  await eventually(() => !isRunning(pids.nats) && !isRunning(pids.postgres), {
    name: "nats-server and postgres ended after their test process was killed",
    timeoutMs: 30_000,
  });

  // Nothing ran in the killed process to remove its dirs; the next start of each kind sweeps them.
  const pgTemp = dirname(dirs.pgDataDir);
  {
    await using nats = await startNats();
    await using postgres = await startPostgres();
    assert.notEqual(nats.dir, dirs.natsDir);
    assert.notEqual(postgres.dir, dirs.pgDataDir);
  }
  assert.equal(existsSync(dirs.natsDir), false, `${dirs.natsDir} left behind`);
  assert.equal(existsSync(pgTemp), false, `${pgTemp} left behind`);
});

test("a test process that exits without stopping its servers ends them and removes their temp dirs", async (t) => {
  const { child, started, exited } = startChild();
  const dirs = await started;
  const pids = await serverPids(dirs);
  killOnFailure(t, pids);
  assert.ok(isRunning(pids.nats) && isRunning(pids.postgres), "both servers run before the exit");

  child.stdin.write("exit\n");
  assert.equal((await exited).code, 3);
  // The exit hook ran synchronously before the process ended: servers first, then their dirs.
  assert.equal(isRunning(pids.nats), false, `nats-server ${pids.nats} still running`);
  assert.equal(isRunning(pids.postgres), false, `postgres ${pids.postgres} still running`);
  assert.equal(existsSync(dirs.natsDir), false, `${dirs.natsDir} left behind`);
  assert.equal(existsSync(dirname(dirs.pgDataDir)), false, `${dirname(dirs.pgDataDir)} left behind`);
});
