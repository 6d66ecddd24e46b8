/** `fnmesh.invoke.*` in the executor queue group: decode, admit, run, reply. */
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { context, SpanKind, trace, type Tracer } from "@opentelemetry/api";
import {
  catalog, Component, decodeFramed, encodeFramed, ErrorCode, EXECUTOR_QUEUE, extractTraceContext, FnmeshError,
  subjects, toFnmeshError, type InvokeResult,
} from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";
import type { ConcurrencyLimiter } from "../concurrency-limiter.ts";
import { runInvocation, type RunnerDeps } from "../invocation-runner.ts";

export interface SyncInvokeDeps { nc: NatsConnection; runner: RunnerDeps; limiter: ConcurrencyLimiter; log: Logger; tracer: Tracer }

function replyError(msg: Msg, requestId: string, err: FnmeshError): void {
  const result: InvokeResult = { v: 1, status: "error", requestId, error: err.toWire() };
  msg.respond(encodeFramed(catalog.invoke.reply, result, new Uint8Array()));
}

export function serveSyncInvocations(deps: SyncInvokeDeps): Subscription {
  return deps.nc.subscribe(subjects.invokeAll, {
    queue: EXECUTOR_QUEUE,
    callback: (_err, msg) => { void handle(deps, msg); },
  });
}

async function handle(deps: SyncInvokeDeps, msg: Msg): Promise<void> {
  let decoded;
  try {
    decoded = decodeFramed(catalog.invoke.request, msg.data, "invoke request");
  } catch (err) {
    deps.log.warn("rejected invalid invoke request", { subject: msg.subject, err });
    replyError(msg, "unknown", toFnmeshError(err, Component.Executor));
    return;
  }
  const { envelope, payload } = decoded;
  const release = await deps.limiter.acquire();
  if (!release) {
    replyError(msg, envelope.requestId, new FnmeshError(ErrorCode.TooManyRequests, Component.Executor,
      "Rate Exceeded. The executor is at its concurrency limit."));
    return;
  }
  const parent = extractTraceContext(msg.headers);
  const span = deps.tracer.startSpan(`invoke ${envelope.function.name}`, { kind: SpanKind.CONSUMER, attributes: {
    "faas.invocation_id": envelope.requestId, "faas.name": envelope.function.name, "faas.version": envelope.function.version,
  } }, parent);
  try {
    const { result, body } = await context.with(trace.setSpan(parent, span), () => runInvocation(deps.runner, envelope, payload));
    span.setAttribute("faas.coldstart", result.status !== "error" && result.cold);
    msg.respond(encodeFramed(catalog.invoke.reply, result, body));
  } catch (err) {
    // runInvocation turns failures into results; this is a last line of defence for the reply.
    deps.log.error("sync invocation crashed", { requestId: envelope.requestId, err });
    replyError(msg, envelope.requestId, toFnmeshError(err, Component.Executor));
  } finally {
    span.end();
    release();
  }
}
