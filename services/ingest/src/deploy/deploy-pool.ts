/**
 * A pool of deploy processes, so parsing a 70 MB body, inflating 250 MiB or running esbuild never
 * holds the thread that serves requests, and no deploy can take ingest down: each runs in a forked
 * `node` process with its own heap limit (V8 may abort a whole process when a limit is hit inside
 * some native allocations — with worker threads that process was ingest). At most `size` jobs run
 * at once, `queueDepth` more wait; past that a job is refused with Lambda's control-plane throttle
 * (429 TooManyRequestsException, "Rate exceeded"), which the AWS SDKs retry with backoff, rather
 * than holding more request bodies in memory. A process that dies (an uncaught error, its heap
 * limit, a kill) fails only the job it was running and is replaced for the next one. Bodies and
 * results cross in 1 MiB chunks (chunked-ipc.ts), so the copies never hold the event loop.
 */
import { fork, type ChildProcess } from "node:child_process";
import { getPriority, setPriority } from "node:os";
import { fileURLToPath } from "node:url";
import { BundleError } from "@fnmesh/bundle";
import { Component, ErrorCode, FnmeshError } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";
import { LambdaApiError } from "../lambda/errors.ts";
import { createChunkedReceiver, sendChunked } from "./chunked-ipc.ts";
import type { DeployFailure, DeployJob, DeployReply, DeployResult } from "./messages.ts";

export interface DeployPoolOptions {
  /** Jobs running at once (one process each). */
  size: number;
  /** Jobs waiting for a process before new ones are refused. */
  queueDepth: number;
  log: Logger;
  /** Each deploy process's V8 old-space limit (`--max-old-space-size`); a job that passes it fails alone. */
  heapLimitMb?: number;
  /** The process entry; tests may point elsewhere. */
  entryUrl?: URL;
}

export interface DeployPool {
  /** Runs a job in a deploy process. */
  run<K extends DeployJob["kind"]>(job: Extract<DeployJob, { kind: K }>): Promise<Extract<DeployResult, { kind: K }>>;
  /** Jobs running and waiting, processes alive, processes lost to crashes (for tests and logs). */
  stats(): { running: number; queued: number; processes: number; crashed: number };
  /** Kills the processes; running and queued jobs fail as unavailable. */
  stop(): Promise<void>;
}

/**
 * Room for a 70 MB body (~210 MB of strings: the text, the parsed base64, its whitespace-free copy)
 * and esbuild's output with a wide margin. Unzipped files are ArrayBuffers outside this limit,
 * bounded by Lambda's 250 MB unzipped limit that the unzip counts.
 */
export const DEFAULT_DEPLOY_HEAP_LIMIT_MB = 1024;

/** How much nicer than ingest a deploy process runs (capped at 19, the lowest priority). */
export const DEPLOY_NICENESS = 10;

interface Pending {
  job: DeployJob;
  resolve(result: DeployResult): void;
  reject(err: unknown): void;
}

interface Slot { child: ChildProcess; current?: Pending }

export function createDeployPool(options: DeployPoolOptions): DeployPool {
  const entry = fileURLToPath(options.entryUrl ?? new URL("./deploy-child.ts", import.meta.url));
  const heapLimitMb = options.heapLimitMb ?? DEFAULT_DEPLOY_HEAP_LIMIT_MB;
  const slots = new Set<Slot>();
  const queue: Pending[] = [];
  let crashed = 0;
  let stopped = false;

  function spawn(): Slot {
    // Only the heap limit: the parent's flags (e.g. --cpu-prof, test runner flags) are not for it.
    const child = fork(entry, [], {
      execArgv: [`--max-old-space-size=${heapLimitMb}`], serialization: "advanced", stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    // Below the services' CPU priority: on a small machine an unzip or esbuild run would otherwise
    // take the core that ingest, NATS or an executor needs to answer an Invoke. A deploy then waits
    // for idle CPU instead of the other way round. Raising niceness needs no privilege.
    if (child.pid !== undefined) {
      try { setPriority(child.pid, Math.min(19, getPriority() + DEPLOY_NICENESS)); } catch (err) { options.log.warn("could not lower the deploy process's CPU priority", { err }); }
    }
    // An idle deploy process keeps nothing alive; a running job does (see pump/settle).
    child.unref();
    child.channel?.unref();
    const slot: Slot = { child };
    slots.add(slot);
    child.on("message", createChunkedReceiver((reply) => {
      const pending = slot.current;
      slot.current = undefined;
      child.channel?.unref();
      if (pending) settle(pending, reply as DeployReply);
      pump();
    }));
    const lose = (cause: unknown) => {
      if (!slots.delete(slot)) return;
      const pending = slot.current;
      slot.current = undefined;
      if (stopped) return;
      crashed += 1;
      options.log.error("deploy process lost; it will be replaced", { err: cause, job: pending?.job.kind });
      pending?.reject(new FnmeshError(ErrorCode.Internal, Component.Ingest, "the deploy process failed", { cause }));
      child.kill("SIGKILL");
      pump();
    };
    child.on("error", lose);
    child.on("exit", (code, signal) => lose(new Error(`deploy process exited with ${signal ?? `code ${code}`}`)));
    return slot;
  }

  function pump(): void {
    while (!stopped && queue.length > 0) {
      let slot = [...slots].find((s) => s.current === undefined);
      if (!slot && slots.size < options.size) slot = spawn();
      if (!slot) return;
      const pending = queue.shift() as Pending;
      slot.current = pending;
      slot.child.channel?.ref();
      sendChunked(slot.child, pending.job).catch((err: unknown) => {
        if (slot.current === pending) { slot.current = undefined; pending.reject(err); slot.child.kill("SIGKILL"); }
      });
    }
  }

  const running = () => [...slots].filter((s) => s.current !== undefined).length;

  return {
    run<K extends DeployJob["kind"]>(job: Extract<DeployJob, { kind: K }>) {
      if (stopped) return Promise.reject(new FnmeshError(ErrorCode.Unavailable, Component.Ingest, "ingest is stopping"));
      if (running() >= options.size && queue.length >= options.queueDepth) {
        return Promise.reject(throttled());
      }
      return new Promise<Extract<DeployResult, { kind: K }>>((resolve, reject) => {
        queue.push({ job, resolve: resolve as (result: DeployResult) => void, reject });
        pump();
      });
    },
    stats: () => ({ running: running(), queued: queue.length, processes: slots.size, crashed }),
    async stop() {
      stopped = true;
      const unavailable = () => new FnmeshError(ErrorCode.Unavailable, Component.Ingest, "ingest is stopping");
      for (const pending of queue.splice(0)) pending.reject(unavailable());
      const all = [...slots];
      slots.clear();
      for (const slot of all) slot.current?.reject(unavailable());
      await Promise.all(all.map((slot) => new Promise<void>((resolve) => {
        if (slot.child.exitCode !== null || slot.child.signalCode !== null) { resolve(); return; }
        slot.child.once("exit", () => resolve());
        slot.child.kill("SIGKILL");
      })));
    },
  };
}

function settle(pending: Pending, reply: DeployReply): void {
  if (reply.ok) pending.resolve(reply.result);
  else pending.reject(fromFailure(reply.failure));
}

/** Rebuilds the error a job threw, so ingest's one error mapping answers it. */
function fromFailure(failure: DeployFailure): Error {
  switch (failure.kind) {
    case "bundle": return new BundleError(failure.code, failure.message);
    case "api": return new LambdaApiError(failure.status, failure.type, failure.message);
    case "internal": return new FnmeshError(ErrorCode.Internal, Component.Ingest, `deploy job failed: ${failure.message}`);
    case "code-unavailable": return new FnmeshError(ErrorCode.CodeUnavailable, Component.Ingest, failure.message);
  }
}

/**
 * Lambda's answer when its control plane throttles a caller: 429 TooManyRequestsException, message
 * "Rate exceeded", Reason CallerRateLimitExceeded (one of the Reason values in the Lambda API
 * reference for TooManyRequestsException), with Retry-After.
 */
function throttled(): LambdaApiError {
  const err = new LambdaApiError(429, "TooManyRequestsException", "Rate exceeded", { Reason: "CallerRateLimitExceeded" });
  err.aws.headers = { "Retry-After": "1" };
  return err;
}
