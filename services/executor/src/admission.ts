/**
 * Whether an invocation may start now, checked in Lambda's order: the mesh-wide limit first — the
 * function's reserved concurrency when it has one, else the account's unreserved pool
 * (FNMESH_MAX_CONCURRENCY less every reservation) — then this executor's own slots and queue
 * (FNMESH_EXECUTOR_CONCURRENCY / _QUEUE_DEPTH). Refusals are TooManyRequests with Lambda's reason.
 */
import { Component, concurrencyKeys, ErrorCode, FnmeshError, ThrottleReason, type FunctionView } from "@fnmesh/protocol";
import type { LedgerClient } from "@fnmesh/concurrency";
import type { ConcurrencyLimiter } from "./concurrency-limiter.ts";

export interface Admission {
  /** Resolves with the release to call when the invocation ends; throws a TooManyRequests FnmeshError. */
  admit(view: FunctionView): Promise<() => void>;
}

export function localAdmission(limiter: ConcurrencyLimiter): Admission {
  return {
    async admit() {
      const release = await limiter.acquire();
      if (!release) {
        throw new FnmeshError(ErrorCode.TooManyRequests, Component.Executor, "Rate Exceeded. The executor is at its concurrency limit.",
          { reason: ThrottleReason.Caller });
      }
      return release;
    },
  };
}

export interface MeshAdmissionOptions {
  ledger: LedgerClient;
  /** FNMESH_MAX_CONCURRENCY: the account's limit across the mesh. */
  maxConcurrency: number;
  /** Sum of every function's reserved concurrency, as the resolver sees it now. */
  reservedTotal(): number;
  /** What runs after the mesh admits (this executor's own slots). */
  local: Admission;
}

export function meshAdmission(options: MeshAdmissionOptions): Admission {
  const { ledger, local } = options;
  return {
    async admit(view) {
      const reserved = view.reservedConcurrency;
      const [key, limit, reason] = reserved !== undefined
        ? [concurrencyKeys.reserved(view.name), reserved, ThrottleReason.ReservedFunction]
        : [concurrencyKeys.unreserved, options.maxConcurrency - options.reservedTotal(), ThrottleReason.Account];
      let releaseMesh;
      try {
        releaseMesh = await ledger.acquire(key, limit);
      } catch (err) {
        throw new FnmeshError(ErrorCode.Unavailable, Component.Executor, "The concurrency ledger is unavailable.", { cause: err });
      }
      // Lambda's text and Reason values: "Rate exceeded" (https://repost.aws/knowledge-center/lambda-troubleshoot-throttling);
      // Reason per https://docs.aws.amazon.com/botocore/latest/reference/services/lambda/client/exceptions/TooManyRequestsException.html
      if (!releaseMesh) throw new FnmeshError(ErrorCode.TooManyRequests, Component.Executor, "Rate exceeded", { reason });
      try {
        const releaseLocal = await local.admit(view);
        return () => { releaseLocal(); releaseMesh(); };
      } catch (err) {
        releaseMesh();
        throw err;
      }
    },
  };
}
