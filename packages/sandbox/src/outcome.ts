/**
 * Lambda's error documents for the ways an invocation can end badly, built on the host side.
 * contract: errorType values and message formats follow AWS Lambda; never rename.
 */
import { ErrorLogLabel, type FunctionErrorBody } from "./types.ts";

const MIB = 1024 * 1024;

export function timeoutError(limitMs: number): FunctionErrorBody {
  return { errorType: "Sandbox.Timedout", errorMessage: `Task timed out after ${(limitMs / 1000).toFixed(2)} seconds`, trace: [] };
}

/**
 * Lambda's errorType; the reason is fnmesh's own, since no process is killed (Lambda says "Runtime exited
 * with error: signal: killed"): docs/lambda-differences.md. The executor adds Lambda's `RequestId: … Error: ` prefix.
 */
export function outOfMemoryError(memoryMb: number): FunctionErrorBody {
  return {
    errorType: "Runtime.OutOfMemory",
    errorMessage: `Runtime exited: JavaScript heap limit of ${memoryMb} MB exceeded`,
    trace: [],
  };
}

/**
 * Same text as the isolate's own check (prelude/lambda.ts). Lambda's document has no `trace`: the
 * executor sends only errorType and errorMessage for a `result_size` outcome.
 */
export function resultTooLargeError(limitBytes: number): FunctionErrorBody {
  return {
    errorType: "Function.ResponseSizeTooLarge",
    errorMessage: `Response payload size exceeded maximum allowed payload size (${limitBytes} bytes).`,
    trace: [],
  };
}

export function syntaxError(error: unknown): FunctionErrorBody {
  const body = errorFromValue(error);
  return { errorType: "Runtime.UserCodeSyntaxError", errorMessage: `${body.errorType}: ${body.errorMessage}`, trace: body.trace };
}

export function importError(message: string): FunctionErrorBody {
  return { errorType: "Runtime.ImportModuleError", errorMessage: message, trace: [] };
}

export function runtimeExitError(message: string): FunctionErrorBody {
  return { errorType: "Runtime.ExitError", errorMessage: `Runtime exited with error: ${message}`, trace: [] };
}

/** A rejection nobody handled, as Lambda's Node runtime reports it. */
export function unhandledRejectionError(reason: unknown): FunctionErrorBody {
  const body = errorFromValue(reason);
  const text = body.trace.length > 0 ? `${body.errorType}: ${body.errorMessage}` : body.errorMessage;
  return { errorType: "Runtime.UnhandledPromiseRejection", errorMessage: text, trace: body.trace, logLabel: ErrorLogLabel.UnhandledRejection };
}

/** A value thrown inside the isolate and copied out by isolated-vm (Errors keep name, message, stack). */
export function errorFromValue(value: unknown): FunctionErrorBody {
  if (typeof value === "object" && value !== null) {
    const v = value as { name?: unknown; message?: unknown; stack?: unknown };
    if (typeof v.message === "string") {
      const name = typeof v.name === "string" && v.name !== "" ? v.name : "Error";
      const stack = typeof v.stack === "string" ? v.stack : `${name}: ${v.message}`;
      // isolated-vm appends the host's frames after a boundary line: they are fnmesh's, not the user's.
      const lines = stack.split("\n");
      const boundary = lines.findIndex((line) => line.includes("<isolated-vm boundary>"));
      const trace = (boundary < 0 ? lines : lines.slice(0, boundary)).filter((line) => !line.includes("fnmesh:prelude"));
      return { errorType: name, errorMessage: v.message, trace };
    }
  }
  return { errorType: typeof value, errorMessage: String(value), trace: [] };
}

/** Lambda's "Max Memory Used": whole MB, at least 1. */
export function toMemoryMb(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / MIB));
}
