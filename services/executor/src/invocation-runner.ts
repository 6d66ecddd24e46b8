/**
 * Runs one decoded invocation in the sandbox and turns the outcome into Lambda's result: response
 * body, function error, START/END/REPORT framed log (each line a LogEvent for `fnmesh.logs.<fn>`,
 * handed to the caller's LogSink) and the 4 KB tail. Platform failures become an `error` result, never a thrown exception.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { trace } from "@opentelemetry/api";
import {
  Component, Limits, LogLevel, LogType, toFnmeshError,
  type FunctionError, type FunctionSpec, type InvokeRequest, type InvokeResult,
} from "@fnmesh/protocol";
import { ErrorLogLabel, type InvocationOutcome, type SandboxRuntime } from "@fnmesh/sandbox";
import type { Logger } from "@fnmesh/telemetry";
import type { CodeCache } from "./code-cache.ts";
import { endLine, functionLine, logTail, reportLine, startLine, timeoutLine } from "./lambda-log.ts";
import type { LogSink } from "./outbox.ts";
import { sandboxFunctionOf } from "./sandbox-function.ts";

export interface RunnerDeps { runtime: SandboxRuntime; code: CodeCache; nc: NatsConnection; executorId: string; log: Logger }
export interface RunResult { result: InvokeResult; body: Uint8Array }

const enc = new TextEncoder();
/** A published log line never approaches NATS max_payload; the sandbox already caps each invocation's total. */
const MAX_LINE_CHARS = 256 * 1024;
/**
 * Lambda's document for a response over the limit: these two fields, no `trace`
 * (aws/aws-lambda-dotnet: Libraries/test/Amazon.Lambda.RuntimeSupport.Tests/
 * Amazon.Lambda.RuntimeSupport.IntegrationTests/CustomRuntimeTests.cs, TooLargeResponseBodyAsync).
 */
const tooLarge = (): FunctionError => ({
  errorType: "Function.ResponseSizeTooLarge",
  errorMessage: `Response payload size exceeded maximum allowed payload size (${Limits.resultBytes} bytes).`,
});

/**
 * The runtime client's document for an error whose name, message or stack cannot be read has no
 * `trace` (aws/aws-lambda-nodejs-runtime-interface-client: src/Errors.js, toRapidResponse); the
 * prelude sends it with an empty one. An error that merely is named "handled" always has a stack line.
 */
const isUnreadableErrorDocument = (error: { errorType: string; trace: string[] }): boolean =>
  error.errorType === "handled" && error.trace.length === 0;

const round3 = (ms: number): number => Math.round(ms * 1000) / 1000;

/** Runs `req` as the function `fn` (the spec its name resolved to); its log lines go to `logs`. */
export async function runInvocation(deps: RunnerDeps, req: InvokeRequest, fn: FunctionSpec, payload: Uint8Array, logs: LogSink): Promise<RunResult> {
  const lines: string[] = [];
  const spanContext = trace.getActiveSpan()?.spanContext();
  const traceId = spanContext && spanContext.traceId !== "00000000000000000000000000000000" ? spanContext.traceId : undefined;
  const emit = (level: LogLevel, full: string, time = Date.now()) => {
    const line = full.length > MAX_LINE_CHARS ? `${full.slice(0, MAX_LINE_CHARS)} [fnmesh] line truncated` : full;
    lines.push(line);
    logs.log(fn.name, { requestId: req.requestId, version: fn.version, time, level, line, ...(traceId ? { traceId } : {}) });
  };
  emit(LogLevel.Platform, startLine(req.requestId, fn.version));

  let outcome: InvocationOutcome;
  if (fn.code.kind === "error") {
    // Lambda accepts code it cannot import and reports the failure on every invoke.
    outcome = {
      status: "function_error", error: { errorType: fn.code.errorType, errorMessage: fn.code.errorMessage, trace: [] },
      durationMs: 0, cold: true, maxMemoryUsedMb: 0, hostTimeMs: 0, logs: [], logsTruncated: false,
    };
    emit(LogLevel.Error, functionLine(Date.now(), req.requestId, "ERROR", `${fn.code.errorType}: ${fn.code.errorMessage}`));
  } else {
    try {
      outcome = await deps.runtime.invoke({
        requestId: req.requestId,
        event: new TextDecoder().decode(payload),
        ...(req.clientContext ? { clientContext: Buffer.from(req.clientContext, "base64").toString("utf8") } : {}),
        ...(req.qualified ? { invokedFunctionArn: `${fn.arn}:${req.qualifier}` } : {}),
        // The same key prefetch prepared an isolate under (sandbox-function.ts).
        fn: sandboxFunctionOf({ ...fn, code: fn.code }, deps.code),
        onLog: (l) => emit(l.level, functionLine(l.time, req.requestId, l.level, l.message), l.time),
      });
    } catch (err) {
      const error = toFnmeshError(err, Component.Executor);
      deps.log.error("invocation failed in the platform", { requestId: req.requestId, function: fn.name, code: error.code, err });
      emit(LogLevel.Platform, endLine(req.requestId));
      return { result: { v: 1, status: "error", requestId: req.requestId, error: error.toWire() }, body: new Uint8Array() };
    }
  }

  let functionError: FunctionError | undefined;
  let body: Uint8Array;
  if (outcome.status === "ok") {
    body = enc.encode(outcome.result);
  } else {
    const { errorType, errorMessage, trace } = outcome.error;
    if (outcome.limit === "timeout") {
      emit(LogLevel.Platform, timeoutLine(Date.now(), req.requestId, fn.timeoutSec));
      functionError = { errorType, errorMessage: `RequestId: ${req.requestId} Error: ${errorMessage}` };
    } else if (outcome.limit === "memory") {
      functionError = { errorType, errorMessage: `RequestId: ${req.requestId} Error: ${errorMessage}` };
    } else if (outcome.limit === "result_size" || isUnreadableErrorDocument(outcome.error)) {
      // Documents Lambda sends without a trace; the sandbox's own carry an empty one.
      functionError = { errorType, errorMessage };
    } else {
      functionError = { errorType, errorMessage, trace };
    }
    // An error document is a response too: bounded like a result (a 10 MB stack must not break the reply).
    let errorJson = JSON.stringify(functionError);
    if (Buffer.byteLength(errorJson) > Limits.resultBytes) {
      functionError = tooLarge();
      errorJson = JSON.stringify(functionError);
    }
    if (outcome.limit !== "timeout") {
      // Lambda's runtime logs the error itself (own properties, `stack` lines), not the response document.
      const logged = outcome.error.logged
        ?? JSON.stringify({ errorType: functionError.errorType, errorMessage: functionError.errorMessage, stack: functionError.trace ?? [] });
      emit(LogLevel.Error, functionLine(Date.now(), req.requestId, "ERROR", `${outcome.error.logLabel ?? ErrorLogLabel.InvokeError} \t${logged}`));
    }
    body = enc.encode(errorJson);
  }
  if (body.length > Limits.resultBytes && outcome.status === "ok") {
    functionError = tooLarge();
    body = enc.encode(JSON.stringify(functionError));
  }

  const report = {
    durationMs: outcome.durationMs, billedDurationMs: Math.max(1, Math.ceil(outcome.durationMs)), memorySizeMb: fn.memoryMb,
    maxMemoryUsedMb: outcome.maxMemoryUsedMb, initDurationMs: outcome.initDurationMs,
  };
  // Not in Lambda's REPORT line; carried in the result and the wide event.
  const cpu = { ...(outcome.cpuTimeMs !== undefined ? { cpuTimeMs: round3(outcome.cpuTimeMs) } : {}), hostTimeMs: round3(outcome.hostTimeMs) };
  emit(LogLevel.Platform, endLine(req.requestId));
  emit(LogLevel.Platform, reportLine(req.requestId, report));

  const common = {
    v: 1 as const, requestId: req.requestId, executedVersion: fn.version, ...report, cold: outcome.cold, ...cpu,
    executorId: deps.executorId, ...(req.logType === LogType.Tail ? { logTail: logTail(lines, Limits.logTailBytes) } : {}),
  };
  if (report.initDurationMs === undefined) delete (common as { initDurationMs?: number }).initDurationMs;
  deps.log.info("invocation done", {
    requestId: req.requestId, function: fn.name, version: fn.version, invocationType: req.invocationType, attempt: req.attempt,
    source: req.source.kind,
    outcome: functionError ? "function_error" : "ok", errorType: functionError?.errorType, durationMs: report.durationMs,
    cold: outcome.cold, initDurationMs: outcome.initDurationMs, maxMemoryUsedMb: report.maxMemoryUsedMb, ...cpu,
  });
  const result: InvokeResult = functionError ? { ...common, status: "function_error", functionError } : { ...common, status: "ok" };
  return { result, body };
}

