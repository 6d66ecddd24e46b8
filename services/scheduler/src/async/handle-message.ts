/**
 * One message of FNMESH_ASYNC, from decode to acknowledgement. The message is acknowledged only
 * once what follows it is durable (the next attempt's PubAck, the destination's delivery, the dead
 * letter's PubAck); anything else leaves it unacknowledged or returns it with a delay. Throttles and
 * missing executors are not attempts; every wait is bounded by the event's maximum age, so no
 * message circulates for ever.
 */
import type { JsMsg } from "@nats-io/jetstream";
import { context, type Context } from "@opentelemetry/api";
import {
  ASYNC_STREAM, catalog, DeadLetterReason, decodeFramed, DEFAULT_EVENT_INVOKE_CONFIG, DestinationCondition, ErrorCode,
  extractTraceContext, Header, InvocationType, InvokeSource, isFnmeshError, LogType, parseDestinationArn,
  type EventInvokeConfig, type FunctionView, type InvokeRequest, type InvokeResult,
} from "@fnmesh/protocol";
import type { FunctionResolver } from "@fnmesh/registry-view";
import { publishDeadLetter, type InvokeClient } from "@fnmesh/invoke";
import type { AsyncQueueConfig } from "../config.ts";
import type { AckBatch } from "./ack-batch.ts";
import { boundByAge, retryDelayMs, throttleDelayMs } from "./backoff.ts";
import { deliverDestination, type DeliveryDeps } from "./deliver-destination.ts";
import { destinationRecord, type RunResponse } from "./destination-record.ts";
import type { PendingDeliveries } from "./pending-deliveries.ts";

export interface HandlerDeps extends DeliveryDeps {
  invoker: InvokeClient;
  resolver: FunctionResolver;
  config: AsyncQueueConfig;
  pending: PendingDeliveries;
  /** Where the common case (a success without a destination) is acknowledged. */
  acks: AckBatch;
  now: () => number;
  random?: () => number;
}

/** What became of one delivery of a message: the `outcome` of its wide event. */
export type Outcome =
  | "succeeded" | "retry_scheduled" | "failed" | "dead_lettered" | "waiting" | "throttled" | "destination_retry";

/** Flat fields of the message's wide event, filled in as handling goes. */
export type EventFields = Record<string, string | number | boolean | undefined>;

const ARN = /^arn:aws:lambda:([a-z0-9-]+):(\d{12}):function:/;

interface Ctx {
  deps: HandlerDeps;
  m: JsMsg;
  req: InvokeRequest;
  payload: Uint8Array;
  view: FunctionView;
  cfg: EventInvokeConfig;
  expiresAt: number;
  trace: Context;
  fields: EventFields;
}

export async function handleAsyncMessage(deps: HandlerDeps, m: JsMsg, fields: EventFields): Promise<Outcome> {
  let decoded;
  try {
    decoded = decodeFramed(catalog.asyncInvoke.message, m.data, "async invoke request");
  } catch (err) {
    const requestId = m.headers?.get(Header.RequestId) || undefined;
    const message = (err as Error).message;
    fields.reason = DeadLetterReason.InvalidMessage;
    fields.errorMessage = message;
    await publishDeadLetter(deps.js, {
      reason: DeadLetterReason.InvalidMessage, data: m.data, originalSubject: m.subject,
      msgId: `${requestId ?? `${ASYNC_STREAM}-${m.seq}`}.dlq`, errorType: "InvalidMessage", errorMessage: message,
      ...(requestId ? { requestId } : {}), ...functionOfSubject(m.subject),
    });
    m.term();
    return "dead_lettered";
  }
  const { envelope: req, payload } = decoded;
  Object.assign(fields, { function: req.function, requestId: req.requestId, attempt: req.attempt, source: req.source.kind });

  const now = deps.now();
  if (req.notBefore !== undefined && req.notBefore > now) {
    fields.delayMs = req.notBefore - now;
    m.nak(req.notBefore - now);
    return "waiting";
  }

  const view = await deps.resolver.resolveFresh(req.function, req.viewRevision);
  if (!view) {
    fields.reason = DeadLetterReason.FunctionNotFound;
    await deadLetterEvent(deps, m, req, DeadLetterReason.FunctionNotFound, req.attempt - 1, { errorType: "ResourceNotFoundException", errorMessage: `Function not found: ${req.function}` });
    m.term();
    return "dead_lettered";
  }
  const cfg = view.eventInvokeConfig ?? DEFAULT_EVENT_INVOKE_CONFIG;
  const ctx: Ctx = { deps, m, req, payload, view, cfg, expiresAt: req.acceptedAt + cfg.maximumEventAgeSec * 1000, trace: extractTraceContext(m.headers), fields };

  // The function already ran on an earlier delivery here; only its destination is left to do.
  const held = deps.pending.take(m.seq);
  if (held) return deliverOrDeadLetter(ctx, held.condition, held.destination, held.record, now);

  if (now >= ctx.expiresAt) {
    return finish(ctx, DestinationCondition.EventAgeExceeded, req.attempt - 1, undefined, { errorType: "EventAgeExceeded", errorMessage: `The event is older than MaximumEventAgeInSeconds (${cfg.maximumEventAgeSec}).` });
  }

  let outcome: { result: InvokeResult; body: Uint8Array };
  // Keep the message ours while the function runs, however long its timeout.
  const working = setInterval(() => m.working(), Math.max(250, Math.floor(deps.config.ackWaitMs / 3)));
  try {
    outcome = await context.with(ctx.trace, () => deps.invoker.call({
      v: 2, requestId: req.requestId, invocationType: InvocationType.RequestResponse, logType: LogType.None,
      function: req.function, qualifier: req.qualifier, ...(req.qualified ? { qualified: true as const } : {}),
      ...(req.viewRevision !== undefined ? { viewRevision: req.viewRevision } : {}),
      source: req.source, attempt: req.attempt, acceptedAt: req.acceptedAt, ...(req.clientContext ? { clientContext: req.clientContext } : {}),
    }, payload, { functionTimeoutSec: view.spec.timeoutSec }));
  } catch (err) {
    // Transport: no executor, no reply in time (an executor may have died mid-run), connection trouble.
    if (isFnmeshError(err) && err.retryable) return notAnAttempt(ctx, err.code, err.message);
    throw err;
  } finally {
    clearInterval(working);
  }
  const { result, body } = outcome;
  switch (result.status) {
    case "ok":
      fields.executorId = result.executorId;
      return finish(ctx, DestinationCondition.Success, req.attempt, { executedVersion: result.executedVersion, body });
    case "function_error":
      fields.executorId = result.executorId;
      fields.errorType = result.functionError.errorType;
      return failedAttempt(ctx, { executedVersion: result.executedVersion, functionError: result.functionError, body },
        { errorType: result.functionError.errorType, errorMessage: result.functionError.errorMessage });
    case "error":
      fields.code = result.error.code;
      if (result.error.retryable) return notAnAttempt(ctx, result.error.code, result.error.message);
      if (result.error.code === ErrorCode.NotFound) {
        // Deleted between our lookup and the executor's.
        fields.reason = DeadLetterReason.FunctionNotFound;
        await deadLetterEvent(deps, m, req, DeadLetterReason.FunctionNotFound, req.attempt - 1, { errorType: "ResourceNotFoundException", errorMessage: result.error.message });
        m.term();
        return "dead_lettered";
      }
      // Any other platform refusal counts as a failed attempt, so it ends within the retry policy.
      return failedAttempt(ctx, undefined, { errorType: result.error.code, errorMessage: result.error.message });
  }
}

interface LastError { errorType: string; errorMessage: string }

/** Throttled, no executor, transport trouble: back to the queue with a delay, not counted as an attempt. */
function notAnAttempt(ctx: Ctx, code: string, message: string): Outcome {
  const now = ctx.deps.now();
  const delay = boundByAge(throttleDelayMs(ctx.deps.config.throttleRetryMs, ctx.m.info.deliveryCount, ctx.deps.random), now, ctx.expiresAt);
  Object.assign(ctx.fields, { code, errorMessage: message, delayMs: delay });
  ctx.m.nak(delay);
  return "throttled";
}

/** A run that failed: the next attempt while the retry policy allows, else the end as RetriesExhausted. */
async function failedAttempt(ctx: Ctx, response: RunResponse | undefined, error: LastError): Promise<Outcome> {
  const { req, deps } = ctx;
  if (req.attempt < 1 + ctx.cfg.maximumRetryAttempts) {
    const now = deps.now();
    const delay = retryDelayMs(deps.config.retryBaseMs, req.attempt);
    await context.with(ctx.trace, () => deps.invoker.enqueue({
      ...req, invocationType: InvocationType.Event, attempt: req.attempt + 1, notBefore: now + delay,
      source: { ...req.source, kind: InvokeSource.Retry },
    }, ctx.payload));
    // Only now is the next attempt durable; a crash before this ack re-runs this attempt and the
    // retry's publish (same message id) is a duplicate JetStream drops.
    ctx.m.ack();
    ctx.fields.delayMs = delay;
    return "retry_scheduled";
  }
  return finish(ctx, DestinationCondition.RetriesExhausted, req.attempt, response, error);
}

/** The event's end: its destination when one is configured for the condition, else (failures) a dead letter. */
async function finish(ctx: Ctx, condition: DestinationCondition, invokeCount: number, response: RunResponse | undefined, error?: LastError): Promise<Outcome> {
  const { deps, req, cfg } = ctx;
  ctx.fields.condition = condition;
  const destination = condition === DestinationCondition.Success ? cfg.onSuccess : cfg.onFailure;
  if (destination === undefined) {
    if (condition === DestinationCondition.Success) {
      deps.acks.ack(ctx.m);
      return "succeeded";
    }
    const reason = condition === DestinationCondition.EventAgeExceeded ? DeadLetterReason.EventAgeExceeded : DeadLetterReason.RetriesExhausted;
    ctx.fields.reason = reason;
    await deadLetterEvent(deps, ctx.m, req, reason, invokeCount, error);
    ctx.m.ack();
    return "dead_lettered";
  }
  const record = destinationRecord({
    requestId: req.requestId, functionArn: ctx.view.spec.arn, qualifier: req.qualifier, condition,
    approximateInvokeCount: invokeCount, payload: ctx.payload, ...(response ? { response } : {}), now: new Date(deps.now()),
  });
  return deliverOrDeadLetter(ctx, condition, destination, record, deps.now());
}

async function deliverOrDeadLetter(ctx: Ctx, condition: DestinationCondition, destination: string, record: ReturnType<typeof destinationRecord>, now: number): Promise<Outcome> {
  const { deps, m, req } = ctx;
  ctx.fields.condition = condition;
  ctx.fields.destination = destination;
  const originArn = ctx.view.spec.arn;
  const [, region = "", accountId = ""] = ARN.exec(originArn) ?? [];
  const target = parseDestinationArn(destination, { region, accountId });
  let failure: string;
  if ("error" in target) {
    failure = target.error;
  } else {
    try {
      await context.with(ctx.trace, () => deliverDestination(deps, target, record, originArn));
      m.ack();
      return condition === DestinationCondition.Success ? "succeeded" : "failed";
    } catch (err) {
      failure = (err as Error).message;
    }
    if (now < ctx.expiresAt) {
      deps.pending.hold(m.seq, { condition, destination, record });
      const delay = boundByAge(throttleDelayMs(deps.config.throttleRetryMs, m.info.deliveryCount, deps.random), now, ctx.expiresAt);
      Object.assign(ctx.fields, { errorMessage: failure, delayMs: delay });
      m.nak(delay);
      return "destination_retry";
    }
  }
  ctx.fields.reason = DeadLetterReason.DestinationFailed;
  ctx.fields.errorMessage = failure;
  await publishDeadLetter(deps.js, {
    reason: DeadLetterReason.DestinationFailed, data: new TextEncoder().encode(JSON.stringify(record)), originalSubject: m.subject,
    msgId: `${req.requestId}.dlq`, requestId: req.requestId, function: req.function, attempts: record.requestContext.approximateInvokeCount,
    errorType: "DestinationFailed", errorMessage: failure, destination,
  });
  m.ack();
  return "dead_lettered";
}

async function deadLetterEvent(deps: HandlerDeps, m: JsMsg, req: InvokeRequest, reason: DeadLetterReason, attempts: number, error?: LastError): Promise<void> {
  await publishDeadLetter(deps.js, {
    reason, data: m.data, originalSubject: m.subject, msgId: `${req.requestId}.dlq`, requestId: req.requestId,
    function: req.function, attempts, ...(error ? { errorType: error.errorType, errorMessage: error.errorMessage } : {}),
  });
}

/** `fnmesh.async.<fn>` → the function, for dead letters of messages that could not be decoded. */
function functionOfSubject(subject: string): { function?: string } {
  const fn = /^fnmesh\.async\.([A-Za-z0-9_-]+)$/.exec(subject)?.[1];
  return fn ? { function: fn } : {};
}
