/**
 * Drains event invocations from JetStream (durable consumer shared by all executors). A message is
 * acked once its invocation finished, successfully or with a function error; platform failures are
 * nak'ed for redelivery; undecodable messages go to the dead-letter stream with the reason.
 * Retries of function errors, destinations and DLQ config arrive with the scheduler.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { headers as natsHeaders } from "@nats-io/transport-node";
import { jetstream, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import { context, SpanKind, trace, type Tracer } from "@opentelemetry/api";
import { ASYNC_CONSUMER, ASYNC_STREAM, catalog, decodeFramed, Header, extractTraceContext, subjects } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";
import type { ConcurrencyLimiter } from "../concurrency-limiter.ts";
import { runInvocation, type RunnerDeps } from "../invocation-runner.ts";

export interface AsyncInvokeDeps { nc: NatsConnection; runner: RunnerDeps; limiter: ConcurrencyLimiter; log: Logger; tracer: Tracer; ackWaitMs: number }
export interface AsyncConsumer { stop(): Promise<void> }

const RETRY_DELAY_MS = 5_000;

export async function consumeAsyncInvocations(deps: AsyncInvokeDeps, maxInFlight: number): Promise<AsyncConsumer> {
  const js = jetstream(deps.nc);
  const consumer = await js.consumers.get(ASYNC_STREAM, ASYNC_CONSUMER);
  const messages: ConsumerMessages = await consumer.consume({ max_messages: maxInFlight });
  const inflight = new Set<Promise<void>>();
  const loop = (async () => {
    for await (const m of messages) {
      const release = await deps.limiter.acquire();
      if (!release) { m.nak(RETRY_DELAY_MS); continue; }
      const p = handle(deps, m).finally(() => { release(); inflight.delete(p); });
      inflight.add(p);
    }
  })().catch((err: unknown) => deps.log.error("async consumer stopped", { err }));
  return {
    async stop() {
      await messages.close().catch(() => undefined);
      await loop;
      await Promise.allSettled(inflight);
    },
  };
}

async function deadLetter(deps: AsyncInvokeDeps, m: JsMsg, reason: string): Promise<void> {
  const h = natsHeaders();
  h.set(Header.DeadLetterReason, reason);
  h.set(Header.OriginalSubject, m.subject);
  await jetstream(deps.nc).publish(subjects.dlq("invalid_message"), m.data, { headers: h, msgID: `${ASYNC_STREAM}-${m.seq}` });
}

async function handle(deps: AsyncInvokeDeps, m: JsMsg): Promise<void> {
  let decoded;
  try {
    decoded = decodeFramed(catalog.asyncInvoke.message, m.data, "async invoke request");
  } catch (err) {
    const reason = (err as Error).message;
    deps.log.warn("dead-lettering invalid async invocation", { subject: m.subject, seq: m.seq, reason });
    try {
      await deadLetter(deps, m, reason);
      m.term();
    } catch (dlqErr) {
      deps.log.error("could not dead-letter; leaving for redelivery", { err: dlqErr });
      m.nak(RETRY_DELAY_MS);
    }
    return;
  }
  const { envelope, payload } = decoded;
  // Keep the message ours while a long function runs.
  const heartbeat = setInterval(() => m.working(), Math.max(1_000, deps.ackWaitMs / 2));
  const parent = extractTraceContext(m.headers);
  const span = deps.tracer.startSpan(`invoke ${envelope.function.name}`, { kind: SpanKind.CONSUMER, attributes: {
    "faas.invocation_id": envelope.requestId, "faas.name": envelope.function.name, "faas.trigger": "pubsub",
  } }, parent);
  try {
    const { result } = await context.with(trace.setSpan(parent, span), () =>
      runInvocation(deps.runner, { ...envelope, attempt: m.info.deliveryCount }, payload));
    if (result.status === "error" && result.error.retryable) m.nak(RETRY_DELAY_MS);
    else m.ack();
  } finally {
    clearInterval(heartbeat);
    span.end();
  }
}
