/**
 * One error type for fnmesh failures. Over NATS an error travels as data (`WireError`) and is rebuilt
 * with `fromWire()`; callers branch on `code`, never on `instanceof` (which fails across realms).
 * A user function's own failure is NOT an FnmeshError: it is a `FunctionError` (see schemas).
 */

/** contract: codes are added, never renamed. */
export const ErrorCode = {
  InvalidMessage: "invalid_message",
  InvalidRequest: "invalid_request",
  NotFound: "not_found",
  Conflict: "conflict",
  PreconditionFailed: "precondition_failed",
  Unauthorized: "unauthorized",
  PayloadTooLarge: "payload_too_large",
  TooManyRequests: "too_many_requests",
  NoExecutor: "no_executor",
  CodeUnavailable: "code_unavailable",
  Timeout: "timeout",
  Unavailable: "unavailable",
  Internal: "internal",
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const Component = {
  Ingest: "ingest",
  Executor: "executor",
  Scheduler: "scheduler",
  Trigger: "trigger",
  Sandbox: "sandbox",
  Store: "store",
  Protocol: "protocol",
  Function: "function",
} as const;
export type Component = (typeof Component)[keyof typeof Component];

/**
 * Why an invocation was throttled, in Lambda's words (the `Reason` of its TooManyRequestsException).
 * contract: Lambda's values; added, never renamed
 */
export const ThrottleReason = {
  /** The function's reserved concurrency is in use (or is 0). */
  ReservedFunction: "ReservedFunctionConcurrentInvocationLimitExceeded",
  /** The account's unreserved concurrency (FNMESH_MAX_CONCURRENCY less all reservations) is in use. */
  Account: "ConcurrentInvocationLimitExceeded",
  /** An executor's own slots and queue are full. */
  Caller: "CallerRateLimitExceeded",
} as const;
export type ThrottleReason = (typeof ThrottleReason)[keyof typeof ThrottleReason];

export interface WireError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  component: Component;
  /** With `too_many_requests`: which limit was hit. */
  reason?: ThrottleReason;
}

const RETRYABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  ErrorCode.TooManyRequests,
  ErrorCode.NoExecutor,
  ErrorCode.CodeUnavailable,
  ErrorCode.Timeout,
  ErrorCode.Unavailable,
]);

export interface FnmeshErrorOptions extends ErrorOptions {
  retryable?: boolean;
  reason?: ThrottleReason;
}

export class FnmeshError extends Error {
  override name = "FnmeshError";
  readonly code: ErrorCode;
  readonly component: Component;
  readonly retryable: boolean;
  readonly reason: ThrottleReason | undefined;

  constructor(code: ErrorCode, component: Component, message: string, options?: FnmeshErrorOptions) {
    super(message, options);
    this.code = code;
    this.component = component;
    this.retryable = options?.retryable ?? RETRYABLE.has(code);
    this.reason = options?.reason;
  }

  toWire(): WireError {
    return { code: this.code, message: this.message, retryable: this.retryable, component: this.component,
      ...(this.reason ? { reason: this.reason } : {}) };
  }
}

export function fromWire(wire: WireError): FnmeshError {
  return new FnmeshError(wire.code, wire.component, wire.message, { retryable: wire.retryable, ...(wire.reason ? { reason: wire.reason } : {}) });
}

/** True for anything carrying an fnmesh error code, including errors from another realm. */
export function isFnmeshError(err: unknown): err is FnmeshError {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "FnmeshError"
    && typeof (err as { code?: unknown }).code === "string";
}

/** Wraps anything thrown into an FnmeshError, keeping fnmesh errors as they are. */
export function toFnmeshError(err: unknown, component: Component): FnmeshError {
  if (isFnmeshError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FnmeshError(ErrorCode.Internal, component, message, { cause: err });
}
