/**
 * The error document an isolate hands back, checked on the host: it comes from code that shares
 * the isolate with the user's, so its shape is never trusted.
 */
import { ErrorLogLabel, type FunctionErrorBody } from "../types.ts";

export function malformedResultError(): FunctionErrorBody {
  return {
    errorType: "Runtime.InvalidResult",
    errorMessage: "The function's runtime returned a malformed result (was a built-in prototype tampered with?).",
    trace: [],
  };
}

/**
 * A fresh copy of `value` as a FunctionErrorBody, or null when a field is missing or of the wrong
 * type. `logged` (the Invoke Error log document) is kept only when it is a string within `maxLoggedChars`.
 */
export function readErrorBody(value: unknown, maxLoggedChars: number): FunctionErrorBody | null {
  if (typeof value !== "object" || value === null) return null;
  const e = value as Record<string, unknown>;
  const { errorType, errorMessage, trace, logged, uncaught } = e;
  if (typeof errorType !== "string" || typeof errorMessage !== "string") return null;
  if (!Array.isArray(trace) || !trace.every((line) => typeof line === "string")) return null;
  const body: FunctionErrorBody = { errorType, errorMessage, trace: [...(trace as string[])] };
  if (typeof logged === "string" && logged.length <= maxLoggedChars) body.logged = logged;
  if (uncaught === true) body.logLabel = ErrorLogLabel.UncaughtException;
  return body;
}
