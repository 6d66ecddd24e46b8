/**
 * A pool of worker threads for deploy work, so parsing a 70 MB body, inflating 250 MiB or running
 * esbuild never holds the thread that serves requests. At most `size` jobs run at once, `queueDepth`
 * more wait; past that a job is refused with Lambda's control-plane throttle (429
 * TooManyRequestsException, "Rate exceeded"), which the AWS SDKs retry with backoff, rather than
 * holding more request bodies in memory. A worker that dies (an uncaught error, or the heap limit
 * when V8 reports it as ERR_WORKER_OUT_OF_MEMORY) fails only the job it was running and is replaced
 * for the next one.
 */
import { Worker, type ResourceLimits } from "node:worker_threads";
import { BundleError } from "@fnmesh/bundle";
import { Component, ErrorCode, FnmeshError } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";
import { LambdaApiError } from "../lambda/errors.ts";
import { transferablesOf, type DeployFailure, type DeployJob, type DeployReply, type DeployResult } from "./messages.ts";

export interface DeployPoolOptions {
  /** Jobs running at once (one worker thread each). */
  size: number;
  /** Jobs waiting for a worker before new ones are refused. */
  queueDepth: number;
  log: Logger;
  /** Per-worker V8 limits; a job that passes them fails alone. */
  resourceLimits?: ResourceLimits;
  /** The worker entry; tests may point elsewhere. */
  workerUrl?: URL;
}

export interface DeployPool {
  /** Runs a job on a worker; its buffers are transferred (detached here). */
  run<K extends DeployJob["kind"]>(job: Extract<DeployJob, { kind: K }>): Promise<Extract<DeployResult, { kind: K }>>;
  /** Jobs running and waiting, workers alive, workers lost to crashes (for tests and logs). */
  stats(): { running: number; queued: number; workers: number; crashed: number };
  /** Terminates the workers; running and queued jobs fail as unavailable. */
  stop(): Promise<void>;
}

/**
 * Room for a 70 MB body (~210 MB of strings: the text, the parsed base64, its whitespace-free copy)
 * and esbuild's output with a wide margin: V8 may abort the whole process, not just the worker, when
 * the limit is hit inside some native allocations (seen when a 200 MB body met a 64 MB limit).
 */
export const DEFAULT_DEPLOY_RESOURCE_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 1024 };

interface Pending {
  job: DeployJob;
  resolve(result: DeployResult): void;
  reject(err: unknown): void;
}

interface Slot { worker: Worker; current?: Pending }

export function createDeployPool(options: DeployPoolOptions): DeployPool {
  const workerUrl = options.workerUrl ?? new URL("./deploy-worker.ts", import.meta.url);
  const resourceLimits = options.resourceLimits ?? DEFAULT_DEPLOY_RESOURCE_LIMITS;
  const slots = new Set<Slot>();
  const queue: Pending[] = [];
  let crashed = 0;
  let stopped = false;

  function spawn(): Slot {
    // No execArgv: the parent's flags (e.g. --cpu-prof, test runner flags) are not all valid in workers.
    const worker = new Worker(workerUrl, { resourceLimits, execArgv: [] });
    worker.unref();
    const slot: Slot = { worker };
    slots.add(slot);
    worker.on("message", (reply: DeployReply) => {
      const pending = slot.current;
      slot.current = undefined;
      if (pending) settle(pending, reply);
      pump();
    });
    const lose = (cause: unknown) => {
      if (!slots.delete(slot)) return;
      const pending = slot.current;
      slot.current = undefined;
      if (stopped) return;
      crashed += 1;
      options.log.error("deploy worker lost; it will be replaced", { err: cause, job: pending?.job.kind });
      pending?.reject(new FnmeshError(ErrorCode.Internal, Component.Ingest, "the deploy worker failed", { cause }));
      void worker.terminate();
      pump();
    };
    // 'error': an uncaught exception or ERR_WORKER_OUT_OF_MEMORY; 'exit' follows it, or comes alone.
    worker.on("error", lose);
    worker.on("exit", (code) => lose(new Error(`deploy worker exited with code ${code}`)));
    return slot;
  }

  function pump(): void {
    while (!stopped && queue.length > 0) {
      let slot = [...slots].find((s) => s.current === undefined);
      if (!slot && slots.size < options.size) slot = spawn();
      if (!slot) return;
      const pending = queue.shift() as Pending;
      slot.current = pending;
      slot.worker.postMessage(pending.job, transferablesOf(pending.job));
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
    stats: () => ({ running: running(), queued: queue.length, workers: slots.size, crashed }),
    async stop() {
      stopped = true;
      const unavailable = () => new FnmeshError(ErrorCode.Unavailable, Component.Ingest, "ingest is stopping");
      for (const pending of queue.splice(0)) pending.reject(unavailable());
      const all = [...slots];
      slots.clear();
      for (const slot of all) slot.current?.reject(unavailable());
      await Promise.all(all.map((slot) => slot.worker.terminate()));
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
