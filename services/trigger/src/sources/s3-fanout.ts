/**
 * The S3 event source: drains FNMESH_S3 (MinIO's NATS target on `fnmesh.s3.minio`, ingest's webhook
 * on `fnmesh.s3.webhook`) through the consumer every trigger replica shares, so each notification is
 * fanned out by one replica, and turns each record into an Event invocation per matching mapping
 * (see s3-fanout-message.ts). Mappings are read through `mappings()` on every message, so enabling,
 * disabling, filtering and deleting take effect on the next notification.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream, type ConsumerMessages, type JsMsg } from "@nats-io/jetstream";
import { consumers, type EventSourceMappingView } from "@fnmesh/protocol";
import type { InvokeClient } from "@fnmesh/invoke";
import type { RecordFilter } from "@fnmesh/event-filter";
import { ensureAsyncStream, ensureConsumer, ensureEventSourceStreams } from "@fnmesh/service-kit";
import type { Logger } from "@fnmesh/telemetry";
import { compileMappingFilter, handleS3Message, type S3MessageOutcome } from "./s3-fanout-message.ts";

export interface S3FanoutOptions {
  nc: NatsConnection;
  /** The current event source mapping views (all kinds; S3 ones are picked per bucket). */
  mappings: () => Iterable<EventSourceMappingView>;
  log: Logger;
  invoker: InvokeClient;
  /** awsRegion for records whose sender names none (MinIO without MINIO_REGION). Default us-east-1. */
  region?: string;
  /** FNMESH_JS_REPLICAS, for the streams created here. Default 1. */
  replicas?: number;
  /** Notifications handled at once by this replica. Default 64. */
  maxInFlight?: number;
  /** Wait before a notification whose invocations could not all be queued comes back. Default 1000 ms. */
  retryDelayMs?: number;
  /** Called after each message is answered (tests, metrics). */
  onOutcome?: (outcome: S3MessageOutcome, m: JsMsg) => void;
}

export interface S3Fanout {
  /** Stops pulling and waits for the notifications in hand. */
  stop(): Promise<void>;
}

export async function startS3Fanout(options: S3FanoutOptions): Promise<S3Fanout> {
  const { nc, log } = options;
  const maxInFlight = options.maxInFlight ?? 64;
  const retryDelayMs = options.retryDelayMs ?? 1_000;
  // The invocations go to FNMESH_ASYNC and bad documents to FNMESH_DLQ; MinIO's JetStream target needs FNMESH_S3.
  await ensureAsyncStream(nc, { replicas: options.replicas });
  const jsm = await ensureEventSourceStreams(nc, { replicas: options.replicas });
  await ensureConsumer(jsm, consumers.s3Trigger);
  const js = jetstream(nc);

  // Compiled once per mapping revision.
  const filters = new Map<string, { revision: string; filter: RecordFilter }>();
  const filterOf = (mapping: EventSourceMappingView): RecordFilter => {
    const hit = filters.get(mapping.uuid);
    if (hit?.revision === mapping.revision) return hit.filter;
    const filter = compileMappingFilter(mapping, log);
    filters.set(mapping.uuid, { revision: mapping.revision, filter });
    return filter;
  };
  const deps = { js, invoker: options.invoker, log, mappings: options.mappings, region: options.region ?? "us-east-1", filterOf };

  const inflight = new Set<Promise<void>>();
  let stopped = false;
  let batch: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;
  const pause = (ms?: number) => new Promise<void>((resolve) => {
    const t = ms === undefined ? undefined : setTimeout(resolve, ms);
    wake = () => { if (t) clearTimeout(t); resolve(); };
  });

  // Pull only what there is room for, so no fetched notification waits out its ack wait in a buffer.
  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        const consumer = await js.consumers.get(consumers.s3Trigger.stream, consumers.s3Trigger.durable);
        while (!stopped) {
          const free = maxInFlight - inflight.size;
          if (free <= 0) { await pause(); continue; }
          batch = await consumer.fetch({ max_messages: free, expires: 5_000 });
          for await (const m of batch) {
            const p = handleS3Message(deps, m, retryDelayMs)
              .then((outcome) => options.onOutcome?.(outcome, m))
              .catch((err: unknown) => log.error("S3 notification handler failed", { err, seq: m.seq }))
              .finally(() => { inflight.delete(p); wake?.(); });
            inflight.add(p);
          }
          failures = 0;
        }
      } catch (err) {
        if (stopped || (err as Error).name === "ClosedConnectionError") break;
        failures++;
        log.warn("pulling S3 notifications failed; pulling again", { err, failures });
        await pause(Math.min(10_000, 500 * failures));
      }
    }
  })();
  log.info("S3 notifications fan-out started", { stream: consumers.s3Trigger.stream, consumer: consumers.s3Trigger.durable });

  return {
    async stop() {
      stopped = true;
      batch?.stop();
      wake?.();
      await loop;
      await Promise.allSettled([...inflight]);
    },
  };
}
