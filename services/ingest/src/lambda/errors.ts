/**
 * The one place that turns failures into HTTP: AWS REST-JSON errors (`x-amzn-ErrorType` header plus
 * a JSON body), so the official SDK raises its typed exceptions. Anything unknown is a plain 500
 * ServiceException without internals.
 */
import { ErrorCode, isFnmeshError, ThrottleReason } from "@fnmesh/protocol";

export interface AwsError { status: number; type: string; message: string; headers?: Record<string, string>; extra?: Record<string, unknown> }

/** An error that already knows its AWS shape (validation failures, invoke content errors). */
export class LambdaApiError extends Error {
  override name = "LambdaApiError";
  readonly aws: AwsError;
  constructor(status: number, type: string, message: string, extra?: Record<string, unknown>) {
    super(message);
    this.aws = { status, type, message, ...(extra ? { extra } : {}) };
  }
}

export const invalidParameter = (message: string) => new LambdaApiError(400, "InvalidParameterValueException", message);

/** Socket errors meaning a dependency (PostgreSQL) is unreachable rather than the request being wrong. */
const OUTAGE_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "EPIPE",
  // PostgreSQL: admin/crash shutdown, cannot connect now, too many connections.
  "57P01", "57P02", "57P03", "53300"]);
const OUTAGE_MESSAGES = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Connection terminated unexpectedly)/;

/** True for failures of a dependency that are worth retrying (PostgreSQL down or restarting). */
export function isDependencyOutage(err: unknown, depth = 0): boolean {
  if (typeof err !== "object" || err === null || depth > 5) return false;
  const { code, message, cause } = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === "string" && (OUTAGE_CODES.has(code) || code.startsWith("08"))) return true; // 08xxx: connection exception
  if (typeof message === "string" && OUTAGE_MESSAGES.test(message)) return true;
  if (err instanceof AggregateError && err.errors.some((e) => isDependencyOutage(e, depth + 1))) return true;
  return isDependencyOutage(cause, depth + 1);
}

/**
 * The 503 for an outage: `ServiceException` is Lambda's type for its own failures; the SDK retries
 * 500/502/503/504 as transient (@smithy/core service-error-classification TRANSIENT_ERROR_STATUS_CODES).
 */
export const SERVICE_UNAVAILABLE: AwsError = {
  status: 503, type: "ServiceException", message: "The service is temporarily unavailable. Retry the request.",
  headers: { "Retry-After": "1" },
};

export function toAwsError(err: unknown): AwsError {
  if (err instanceof LambdaApiError) return err.aws;
  if (isFnmeshError(err)) {
    switch (err.code) {
      case ErrorCode.NotFound: return { status: 404, type: "ResourceNotFoundException", message: err.message };
      case ErrorCode.Conflict: return { status: 409, type: "ResourceConflictException", message: err.message };
      case ErrorCode.PreconditionFailed: return { status: 412, type: "PreconditionFailedException", message: err.message };
      case ErrorCode.InvalidRequest: return { status: 400, type: "InvalidParameterValueException", message: err.message };
      case ErrorCode.InvalidMessage: return { status: 400, type: "InvalidRequestContentException", message: err.message };
      case ErrorCode.PayloadTooLarge: return { status: 413, type: "RequestTooLargeException", message: err.message };
      case ErrorCode.Unauthorized: return { status: 403, type: "InvalidSignatureException", message: err.message };
      case ErrorCode.TooManyRequests:
        return { status: 429, type: "TooManyRequestsException", message: err.message, headers: { "Retry-After": "1" },
          extra: { Reason: err.reason ?? ThrottleReason.Account } };
      case ErrorCode.NoExecutor:
      case ErrorCode.CodeUnavailable:
      case ErrorCode.Unavailable:
      case ErrorCode.Timeout:
        return { status: 503, type: "ServiceException", message: err.message };
      case ErrorCode.Internal:
        return isDependencyOutage(err.cause) ? SERVICE_UNAVAILABLE : { status: 500, type: "ServiceException", message: "An internal error occurred." };
    }
  }
  if (isDependencyOutage(err)) return SERVICE_UNAVAILABLE;
  return { status: 500, type: "ServiceException", message: "An internal error occurred." };
}

/** Lambda's error body: `Type` says whose fault, `message` the text (the SDK reads both spellings). */
export function awsErrorBody(e: AwsError): string {
  return JSON.stringify({ Type: e.status < 500 ? "User" : "Service", message: e.message, ...e.extra });
}
