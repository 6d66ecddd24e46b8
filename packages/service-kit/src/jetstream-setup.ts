/**
 * Idempotent creation of the JetStream assets services share. Any service may call these at start;
 * the first one creates, the rest find what exists.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, jetstreamManager, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";
import { Objm, setSha256Backend, type ObjectStore } from "@nats-io/obj";
import { ASYNC_CONSUMER, ASYNC_STREAM, CODE_BUCKET, DLQ_STREAM, Limits, subjects } from "@fnmesh/protocol";

const HOUR_NS = 3600 * 1e9;

/** Event invocations wait here until run; Lambda keeps async events up to 6 hours. */
export async function ensureAsyncStream(nc: NatsConnection): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  const config = {
    name: ASYNC_STREAM,
    subjects: [subjects.asyncAll],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    max_age: 6 * HOUR_NS,
    // Envelope plus the async payload limit.
    max_msg_size: Limits.asyncPayloadBytes + 64 * 1024,
    duplicate_window: 10 * 60 * 1e9,
  };
  await ensureStream(jsm, config);
  // Dead letters keep the original bytes and a reason header for 14 days.
  await ensureStream(jsm, { name: DLQ_STREAM, subjects: [subjects.dlqAll], retention: RetentionPolicy.Limits,
    storage: StorageType.File, max_age: 14 * 24 * HOUR_NS, max_msg_size: 8 * 1024 * 1024 });
  return jsm;
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch {
    await jsm.streams.add(config).catch(async (err: unknown) => {
      // Lost a creation race with another service: fine if it exists now.
      await jsm.streams.info(config.name).catch(() => { throw err; });
    });
  }
}

/** The durable pull consumer executors share to drain async invocations (until the scheduler owns it). */
export async function ensureAsyncConsumer(jsm: JetStreamManager, ackWaitMs: number): Promise<void> {
  const config = {
    durable_name: ASYNC_CONSUMER,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: subjects.asyncAll,
    ack_wait: ackWaitMs * 1e6,
    max_deliver: 3,
  };
  try {
    await jsm.consumers.info(ASYNC_STREAM, ASYNC_CONSUMER);
  } catch {
    await jsm.consumers.add(ASYNC_STREAM, config).catch(async (err: unknown) => {
      await jsm.consumers.info(ASYNC_STREAM, ASYNC_CONSUMER).catch(() => { throw err; });
    });
  }
}

/** Content-addressed code: zips and bundles by sha256 (see protocol `codeKeys`). */
export async function openCodeStore(nc: NatsConnection): Promise<ObjectStore> {
  // The object store hashes every put and get; its default pure-JS SHA-256 held the event loop
  // about 1 s per 50 MB zip. The setting is process-wide, so every service opening the store gets it.
  setSha256Backend("native");
  return new Objm(nc).create(CODE_BUCKET, { storage: StorageType.File, description: "fnmesh function code by sha256" });
}
