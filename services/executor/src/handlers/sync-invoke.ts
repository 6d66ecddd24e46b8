/**
 * `fnmesh.invoke.*` in the executor queue group — where every invocation runs, whoever asked (the
 * API, the scheduler for Event invokes, and later triggers and function URLs): decode, resolve the
 * name, admit, run, reply.
 */
import type { Msg, NatsConnection, Subscription } from "@nats-io/transport-node";
import { context, SpanKind, trace, type Tracer } from "@opentelemetry/api";
import {
  catalog, Component, decodeFramed, encodeFramed, EXECUTOR_QUEUE, extractTraceContext, FnmeshError,
  subjects, toFnmeshError, type InvokeResult,
} from "@fnmesh/protocol";
import type { FunctionResolver } from "@fnmesh/registry-view";
import type { Logger } from "@fnmesh/telemetry";
import type { Admission } from "../admission.ts";
import { runInvocation, type RunnerDeps } from "../invocation-runner.ts";
import type { Outbox } from "../outbox.ts";
import { runKey, type RecentRuns } from "../recent-runs.ts";
import { resolveFunction } from "../resolve-function.ts";
import type { RunWindows } from "../run-window.ts";

export interface SyncInvokeDeps {
  nc: NatsConnection; runner: RunnerDeps; resolver: FunctionResolver; admission: Admission; log: Logger; tracer: Tracer;
  /** Where log lines and replies are queued, to leave together once per event-loop turn. */
  outbox: Outbox;
  /** Replies of the runs of recent requests, so a repeated request is answered, not run again. */
  recent: RecentRuns;
  /** How many of each function's invocations run in isolates at once (adapts to their run times). */
  windows: RunWindows;
}

function replyError(outbox: Outbox, msg: Msg, requestId: string, err: FnmeshError): void {
  const result: InvokeResult = { v: 1, status: "error", requestId, error: err.toWire() };
  outbox.reply(msg, encodeFramed(catalog.invoke.reply, result, new Uint8Array()));
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
    replyError(deps.outbox, msg, "unknown", toFnmeshError(err, Component.Executor));
    return;
  }
  const { envelope, payload } = decoded;
  const key = runKey(envelope.requestId, envelope.attempt);
  const earlier = deps.recent.find(key);
  if (earlier !== undefined) {
    try {
      deps.outbox.reply(msg, await earlier);
      deps.log.info("repeated invoke request answered from its run", { requestId: envelope.requestId, attempt: envelope.attempt, function: envelope.function });
      return;
    } catch {
      // That run was refused before the function ran: this request tries for itself.
    }
  }
  // Registered before any await, so a repeat arriving meanwhile joins this run.
  const run = deps.recent.start(key);
  let release: () => void;
  let view;
  try {
    view = await resolveFunction(deps.resolver, envelope);
    release = await deps.admission.admit(view);
  } catch (err) {
    run.done(null);
    replyError(deps.outbox, msg, envelope.requestId, toFnmeshError(err, Component.Executor));
    return;
  }
  const fn = view.spec;
  const parent = extractTraceContext(msg.headers);
  const span = deps.tracer.startSpan(`invoke ${fn.name}`, { kind: SpanKind.CONSUMER, attributes: {
    "faas.invocation_id": envelope.requestId, "faas.name": fn.name, "faas.version": fn.version,
    "fnmesh.invocation_type": envelope.invocationType, "fnmesh.source": envelope.source.kind, "fnmesh.attempt": envelope.attempt,
  } }, parent);
  const endTurn = await deps.windows.acquire(fn.name);
  const started = performance.now();
  let runMs: number | undefined;
  try {
    const { result, body } = await context.with(trace.setSpan(parent, span), () => runInvocation(deps.runner, envelope, fn, payload, deps.outbox));
    // A warm run's time is the window's signal; a cold start's says nothing about load.
    if (result.status !== "error" && !result.cold) runMs = performance.now() - started;
    span.setAttribute("faas.coldstart", result.status !== "error" && result.cold);
    const reply = encodeFramed(catalog.invoke.reply, result, body);
    run.done(result.status === "error" ? null : reply);
    deps.outbox.reply(msg, reply);
  } catch (err) {
    // runInvocation turns failures into results; this is a last line of defence for the reply.
    run.done(null);
    deps.log.error("sync invocation crashed", { requestId: envelope.requestId, err });
    replyError(deps.outbox, msg, envelope.requestId, toFnmeshError(err, Component.Executor));
  } finally {
    endTurn(runMs);
    span.end();
    release();
  }
}
