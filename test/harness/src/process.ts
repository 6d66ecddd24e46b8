import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import { onProcessExit } from "./exit-cleanup.ts";
import { findBinary } from "./find-binary.ts";
import type { LogBuffer } from "./log-buffer.ts";

export interface ServerProcessOptions {
  /** What the server is, for error messages: "nats-server", "postgres". */
  name: string;
  command: string;
  args: readonly string[];
  cwd?: string;
  /** Run as this OS user (PostgreSQL refuses to run as root). */
  uid?: number;
  gid?: number;
  /** stdout and stderr go here. */
  logs: LogBuffer;
  /** Asks the server to shut down cleanly. */
  stopSignal: NodeJS.Signals;
  /**
   * Ends the server without a clean shutdown when this process dies: sent from the 'exit' hook,
   * and by the kernel as parent-death signal if this process is killed.
   */
  exitSignal: NodeJS.Signals;
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** A long-running child process that the harness owns. */
export interface ServerProcess {
  readonly pid: number;
  /** Settles when the process has exited (never rejects). */
  readonly exited: Promise<ExitStatus>;
  /** The exit status once exited, else undefined. */
  exitStatus(): ExitStatus | undefined;
  /** Sends the stop signal, waits up to `graceMs` (default 5000), then SIGKILLs and waits. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Spawns a server process with its output captured, tracked so that it ends even if the test
 * process exits without stopping it. Rejects if the binary cannot be started at all.
 */
export async function spawnServer(options: ServerProcessOptions): Promise<ServerProcess> {
  // On Linux, util-linux's setpriv sets the parent-death signal and then execs the server (same
  // pid): even a SIGKILLed or Ctrl-C'd test process, which runs no 'exit' hook, leaves no server.
  // (The kernel watches the spawning thread: a server started from a worker thread ends with it.)
  const setpriv = await setprivPath();
  const [command, args] =
    setpriv === undefined
      ? [options.command, options.args]
      : [setpriv, ["--pdeathsig", options.exitSignal, "--", options.command, ...options.args]];
  const child = spawn(command, args, {
    // Own process group: a terminal's Ctrl-C reaches only our process, which stops servers in order.
    detached: true,
    cwd: options.cwd,
    uid: options.uid,
    gid: options.gid,
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => options.logs.append(chunk));
  }
  let status: ExitStatus | undefined;
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once("exit", (code, sig) => {
      const exit = { code, signal: sig };
      status = exit;
      // Let the pipes drain so the last lines (often the reason for an early exit) reach the
      // logs, without hanging on a grandchild that kept them open.
      const drained = new Promise<void>((done) => child.once("close", () => done()));
      void Promise.race([drained, sleep(500, undefined, { ref: false })]).then(() => resolve(exit));
    });
  });

  // 'error' instead of 'spawn' means the binary could not be run (ENOENT, EACCES, bad uid).
  const started = await new Promise<true | Error>((resolve) => {
    child.once("spawn", () => resolve(true));
    child.once("error", (error) => resolve(error));
  });
  // A later 'error' (e.g. a failed kill) must not crash the test process.
  child.on("error", (error) => options.logs.append(`[harness] ${options.name}: ${error.message}\n`));
  if (started !== true) {
    throw new Error(`could not start ${options.name} (${options.command}): ${started.message}`, { cause: started });
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${options.name}: no pid`);

  const forget = onProcessExit(() => {
    if (status !== undefined) return;
    signal(child, options.exitSignal);
    // Wait (synchronously: the event loop is over) so the caller's directory can then be removed
    // without the dying server writing into it.
    waitForDeathSync(pid, 5_000);
  });
  let stopping: Promise<void> | undefined;
  return {
    pid,
    exited,
    exitStatus: () => status,
    stop(graceMs = 5_000) {
      stopping ??= (async () => {
        if (status === undefined) {
          signal(child, options.stopSignal);
          const timer = sleep(graceMs, "timeout" as const, { ref: false });
          if ((await Promise.race([exited, timer])) === "timeout") {
            signal(child, "SIGKILL");
            await exited;
          }
        }
        forget();
      })();
      return stopping;
    },
  };
}

let setprivLookup: Promise<string | undefined> | undefined;

function setprivPath(): Promise<string | undefined> {
  setprivLookup ??= process.platform === "linux" ? findBinary(["setpriv", "/usr/bin/setpriv"]) : Promise.resolve(undefined);
  return setprivLookup;
}

/**
 * Blocks until `pid` is dead or a zombie (our unreaped child: the event loop that would reap it
 * is not running), or `timeoutMs` passed. Linux /proc only; elsewhere it returns at once.
 */
function waitForDeathSync(pid: number, timeoutMs: number): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let state: string | undefined;
    try {
      // Format: "pid (comm) state ...", and comm may contain spaces and parentheses.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    } catch {
      return; // gone, or no /proc
    }
    if (state === "Z" || state === "X") return;
    Atomics.wait(pause, 0, 0, 10);
  }
}

function signal(child: ChildProcess, sig: NodeJS.Signals): void {
  try {
    child.kill(sig);
  } catch {
    // Already gone.
  }
}

export interface CommandResult {
  code: number | null;
  output: string;
}

/**
 * Runs a short command to completion (e.g. initdb), returning its exit code and combined output.
 * Rejects only if it cannot be started.
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd?: string; uid?: number; gid?: number } = {},
): Promise<CommandResult> {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => (output += chunk));
  }
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (exitCode) => resolve(exitCode));
  });
  return { code, output };
}
