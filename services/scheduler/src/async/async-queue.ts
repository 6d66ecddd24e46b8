/**
 * The scheduler's async system: makes sure FNMESH_ASYNC, FNMESH_DLQ and the scheduler's consumer
 * exist (removing the executors' old consumer), watches function views, and drains the queue
 * through the invoke client, logging one wide event per message.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, type JsMsg } from "@nats-io/jetstream";
import { createInvokeClient } from "@fnmesh/invoke";
import { openFunctionBucket, startFunctionResolver, type FunctionResolver } from "@fnmesh/registry-view";
import { ensureAsyncConsumer, ensureAsyncStream } from "@fnmesh/service-kit";
import { Component, isFnmeshError } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";
import type { SchedulerConfig } from "../config.ts";
import { throttleDelayMs } from "./backoff.ts";
import { createAckBatch } from "./ack-batch.ts";
import { startConsumeLoop } from "./consume-loop.ts";
import { handleAsyncMessage, type EventFields, type HandlerDeps, type Outcome } from "./handle-message.ts";
import { createPendingDeliveries } from "./pending-deliveries.ts";

export interface AsyncQueue {
  readonly resolver: FunctionResolver;
  stop(): Promise<void>;
}

export interface AsyncQueueDeps { nc: NatsConnection; config: SchedulerConfig; log: Logger; now?: () => number }

export async function startAsyncQueue(deps: AsyncQueueDeps): Promise<AsyncQueue> {
  const { nc, config } = deps;
  const log = deps.log.child({ component: "async-queue" });
  const jsm = await ensureAsyncStream(nc, { replicas: config.jsReplicas });
  await ensureAsyncConsumer(jsm, { ackWaitSec: config.async.ackWaitMs / 1000 });
  const resolver = startFunctionResolver({ kv: await openFunctionBucket(nc, { replicas: config.jsReplicas }), nc, log: log.child({ component: "function-views" }) });
  await resolver.ready;
  const js = jetstream(nc);
  const acks = createAckBatch();
  const handler: HandlerDeps = {
    nc, js, invoker: createInvokeClient(nc, js), resolver, config: config.async,
    pending: createPendingDeliveries(), acks, now: deps.now ?? Date.now,
  };

  const handle = async (m: JsMsg): Promise<void> => {
    const started = performance.now();
    const fields: EventFields = { seq: m.seq, deliveries: m.info.deliveryCount };
    let outcome: Outcome | "error";
    try {
      outcome = await handleAsyncMessage(handler, m, fields);
    } catch (err) {
      // Whatever went wrong (a dead letter or retry that could not be stored, a bug), the message
      // comes back later; its event age ends it at the latest.
      outcome = "error";
      fields.code = isFnmeshError(err) ? err.code : "internal";
      fields.errorMessage = (err as Error)?.message ?? String(err);
      fields.component = Component.Scheduler;
      fields.delayMs = throttleDelayMs(config.async.throttleRetryMs, m.info.deliveryCount);
      try { m.nak(fields.delayMs); } catch { /* connection gone: the ack wait returns it */ }
    }
    const event = { ...fields, outcome, durationMs: Math.round((performance.now() - started) * 100) / 100 };
    if (outcome === "error") log.warn("async event", event);
    else log.info("async event", event);
  };
  const loop = startConsumeLoop({ js, log, maxInFlight: config.async.maxInFlight, handle });
  log.info("async queue consuming", { maxInFlight: config.async.maxInFlight, retryBaseMs: config.async.retryBaseMs, ackWaitMs: config.async.ackWaitMs });
  return {
    resolver,
    async stop() {
      await loop.stop();
      acks.flush();
      await resolver.stop();
    },
  };
}
