/** Why an isolate phase ended early, and what the user sees for it. */
import { Component, ErrorCode, FnmeshError } from "@fnmesh/protocol";
import { errorFromValue, outOfMemoryError, runtimeExitError, timeoutError, unhandledRejectionError } from "../outcome.ts";
import type { FunctionErrorBody, LimitHit } from "../types.ts";

export type Failure =
  | { kind: "timeout"; limitMs: number }
  | { kind: "memory" }
  /** A promise rejection nobody handled: isolated-vm makes it the error of the entry that caused it. */
  | { kind: "unhandled"; reason: unknown }
  | { kind: "crashed"; message: string }
  | { kind: "closed" };

/** A function error, and the limit that caused it if one did. */
export type Failed = { ok: false; error: FunctionErrorBody; limit?: LimitHit };

/** What isolated-vm says when an entry's own `timeout` passes. */
export const TIMED_OUT = "Script execution timed out";

/** The user-facing error for `failure`; "closed" is fnmesh's failure and throws. */
export function failureToError(failure: Failure, phase: "init" | "invoke", memoryMb: number): Failed {
  switch (failure.kind) {
    case "timeout":
      return { ok: false, error: timeoutError(failure.limitMs), limit: "timeout" };
    case "memory":
      return { ok: false, error: outOfMemoryError(memoryMb), limit: "memory" };
    case "unhandled":
      // During init this is how a module's failed top-level await arrives: report the error itself.
      return { ok: false, error: phase === "init" ? errorFromValue(failure.reason) : unhandledRejectionError(failure.reason) };
    case "crashed":
      return { ok: false, error: runtimeExitError(failure.message) };
    case "closed":
      throw new FnmeshError(ErrorCode.Unavailable, Component.Sandbox, "the sandbox runtime was closed during the invocation");
  }
}

export function messageOf(err: unknown): string {
  if (typeof err === "object" && err !== null && typeof (err as { message?: unknown }).message === "string") {
    return (err as { message: string }).message;
  }
  return String(err);
}

export function isSyntaxError(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "SyntaxError";
}
