/**
 * Cloudflare's workerd, the peer fnmesh is measured against: the binary from npm `workerd`, one
 * worker (http-handlers.ts's module) behind one HTTP socket, configured by a capnp file written into
 * the bench's temp dir. No auth, no logging: the floor of "a V8 isolate answering HTTP" here.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { workerdModule } from "./http-handlers.ts";
import { freePort } from "./stack.ts";

/** The npm package's CommonJS face: `default` is the platform binary's path. */
interface WorkerdPackage { default: string; version: string; compatibilityDate: string }

export interface Workerd {
  /** `http://127.0.0.1:<port>`; POST `/<handler>` runs that handler. */
  readonly url: string;
  readonly version: string;
  readonly pid: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 15_000;

function config(port: number, compatibilityDate: string): string {
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .bench) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
);
const bench :Workerd.Worker = (
  modules = [ (name = "worker.js", esModule = embed "worker.js") ],
  compatibilityDate = "${compatibilityDate}",
);
`;
}

/** Writes the worker and its config into `dir` and starts `workerd serve`; resolves once it listens. */
export async function startWorkerd(dir: string): Promise<Workerd> {
  const pkg = createRequire(import.meta.url)("workerd") as WorkerdPackage;
  const port = await freePort();
  await writeFile(join(dir, "worker.js"), workerdModule());
  await writeFile(join(dir, "workerd.capnp"), config(port, pkg.compatibilityDate));
  const child = spawn(pkg.default, ["serve", join(dir, "workerd.capnp")], { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  const killOnExit = () => { if (child.exitCode === null) child.kill("SIGKILL"); };
  process.on("exit", killOnExit);
  let output = "";
  const collect = (c: Buffer) => { output += c.toString(); };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  const stop = async () => {
    process.removeListener("exit", killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((done) => {
      const kill = setTimeout(() => child.kill("SIGKILL"), 5_000);
      child.once("exit", () => { clearTimeout(kill); done(); });
      child.kill("SIGTERM");
    });
  };
  try {
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`workerd did not listen within ${START_TIMEOUT_MS} ms: ${output}`)), START_TIMEOUT_MS);
      child.once("error", (err) => { clearTimeout(timer); fail(err); });
      child.once("exit", (code, signal) => { clearTimeout(timer); fail(new Error(`workerd exited (${signal ?? `code ${code}`}): ${output}`)); });
      const poll = async () => {
        // workerd prints nothing when ready: it is ready when the handler answers.
        const ok = await fetch(`http://127.0.0.1:${port}/echo`, { method: "POST", body: "{\"n\":7}" })
          .then(async (r) => r.ok && (await r.text()).includes("\"n\":7"), () => false);
        if (ok) { clearTimeout(timer); ready(); } else if (child.exitCode === null) setTimeout(() => void poll(), 50);
      };
      void poll();
    });
    return { url: `http://127.0.0.1:${port}`, version: pkg.version, pid: child.pid ?? -1, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
