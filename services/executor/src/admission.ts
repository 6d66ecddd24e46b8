/**
 * Whether an invocation may start now. Today: this executor's own slots and queue
 * (FNMESH_EXECUTOR_CONCURRENCY / _QUEUE_DEPTH). Refusals are TooManyRequests with Lambda's reason.
 */
import { Component, ErrorCode, FnmeshError, ThrottleReason, type FunctionView } from "@fnmesh/protocol";
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
