/**
 * Idempotent creation of the JetStream assets services share. Any service may call these at start;
 * the first one creates, the rest find what exists.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, jetstreamManager, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { Objm, setSha256Backend, type ObjectStore } from "@nats-io/obj";
import {
  CODE_BUCKET, consumers, LEGACY_ASYNC_CONSUMER, streams, type ConsumerDefinition, type KvBucketDefinition, type StreamDefinition,
} from "@fnmesh/protocol";

const SEC_NS = 1e9;

/** How the shared JetStream assets are created. */
export interface JetStreamSetupOptions {
  /**
   * Copies of each stream (FNMESH_JS_REPLICAS): 1 on a single server, 3 so that a 3-node cluster
   * keeps accepting and delivering with one node down. Default 1. An existing stream with another
   * count is rescaled to this one: JetStream moves the data itself.
   */
  replicas?: number;
}

/** The async queue and the dead-letter stream, as protocol defines them (`streams`). */
export async function ensureAsyncStream(nc: NatsConnection, options: JetStreamSetupOptions = {}): Promise<JetStreamManager> {
  const num_replicas = replicasFor(nc, options);
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, streamConfig(streams.async, num_replicas));
  await ensureStream(jsm, streamConfig(streams.dlq, num_replicas));
  return jsm;
}

/**
 * The event sources' streams (protocol `streams.s3Events`, `streams.changes`): triggers create them
 * at start, and ingest too (its S3 webhook writes to the first); MinIO's JetStream target needs the
 * first to exist before it can deliver.
 */
export async function ensureEventSourceStreams(nc: NatsConnection, options: JetStreamSetupOptions = {}): Promise<JetStreamManager> {
  const num_replicas = replicasFor(nc, options);
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, streamConfig(streams.s3Events, num_replicas));
  await ensureStream(jsm, streamConfig(streams.changes, num_replicas));
  return jsm;
}

function streamConfig(def: StreamDefinition, num_replicas: number): Partial<StreamConfig> & { name: string; num_replicas: number } {
  return {
    name: def.name, num_replicas, subjects: [...def.subjects],
    retention: def.retention === "workqueue" ? RetentionPolicy.Workqueue : RetentionPolicy.Limits,
    storage: StorageType.File, max_age: def.maxAgeSec * SEC_NS, max_msg_size: def.maxMsgBytes,
    ...(def.duplicateWindowSec ? { duplicate_window: def.duplicateWindowSec * SEC_NS } : {}),
  };
}

/**
 * The replica count to use, refused up front where it cannot hold: a single server creates no
 * replicated stream, yet (2.9.10) accepts rescaling an existing one and then reports 3 copies of one.
 */
function replicasFor(nc: NatsConnection, options: JetStreamSetupOptions): number {
  const replicas = options.replicas ?? 1;
  if (replicas > 1 && nc.info?.cluster === undefined) {
    throw new Error(`FNMESH_JS_REPLICAS is ${replicas}, but the NATS server ${nc.info?.server_name ?? ""} is not part of a cluster: ` +
      `more than 1 replica needs a JetStream cluster with that many nodes`);
  }
  return replicas;
}

async function ensureStream(jsm: JetStreamManager, config: Partial<StreamConfig> & { name: string; num_replicas: number }): Promise<void> {
  try {
    await jsm.streams.info(config.name);
  } catch {
    await jsm.streams.add(config).catch(async (err: unknown) => {
      // Lost a creation race with another service: fine if it exists now.
      await jsm.streams.info(config.name).catch(() => {
        throw new Error(`could not create JetStream stream ${config.name} with ${config.num_replicas} replica(s) ` +
          `(FNMESH_JS_REPLICAS; more than 1 needs a JetStream cluster with that many nodes): ${String(err)}`, { cause: err });
      });
    });
  }
  await followReplicas(jsm, config.name, config.num_replicas);
}

/**
 * A stream created before FNMESH_JS_REPLICAS changed keeps its old count unless told: moving a
 * mesh from one server to a cluster would otherwise leave its queue on a single node.
 */
async function followReplicas(jsm: JetStreamManager, name: string, replicas: number): Promise<void> {
  const { config } = await jsm.streams.info(name);
  if (config.num_replicas === replicas) return;
  try {
    await jsm.streams.update(name, { ...config, num_replicas: replicas });
  } catch (err) {
    throw new Error(`JetStream stream ${name} has ${config.num_replicas} replicas and could not be changed to ${replicas} ` +
      `(FNMESH_JS_REPLICAS; more than 1 needs a JetStream cluster with that many nodes): ${String(err)}`, { cause: err });
  }
}

/**
 * Creates a durable pull consumer as protocol defines it, or brings an existing one to the
 * definition (a consumer outlives the processes that read it, so a changed definition must reach it).
 */
export async function ensureConsumer(jsm: JetStreamManager, def: ConsumerDefinition, overrides: { ackWaitSec?: number } = {}): Promise<void> {
  const config = {
    durable_name: def.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    filter_subject: def.filterSubject,
    ack_wait: (overrides.ackWaitSec ?? def.ackWaitSec) * SEC_NS,
    max_deliver: def.maxDeliver,
    max_ack_pending: def.maxAckPending,
  };
  let existing;
  try {
    existing = await jsm.consumers.info(def.stream, def.durable);
  } catch {
    await jsm.consumers.add(def.stream, config).catch(async (err: unknown) => {
      await jsm.consumers.info(def.stream, def.durable).catch(() => { throw err; });
    });
    return;
  }
  const c = existing.config;
  if (c.ack_wait !== config.ack_wait || c.max_deliver !== config.max_deliver || c.max_ack_pending !== config.max_ack_pending) {
    await jsm.consumers.update(def.stream, def.durable, { ack_wait: config.ack_wait, max_deliver: config.max_deliver, max_ack_pending: config.max_ack_pending });
  }
}

/**
 * The scheduler's consumer of the async queue. A work-queue stream allows one consumer per
 * subject, so the consumer executors used before the scheduler owned the queue is removed first
 * (its unacknowledged messages return to the stream for the scheduler).
 */
export async function ensureAsyncConsumer(jsm: JetStreamManager, overrides: { ackWaitSec?: number } = {}): Promise<void> {
  await jsm.consumers.delete(consumers.asyncScheduler.stream, LEGACY_ASYNC_CONSUMER).catch(() => undefined);
  await ensureConsumer(jsm, consumers.asyncScheduler, overrides);
}

/** Content-addressed code: zips and bundles by sha256 (see protocol `codeKeys`). */
export async function openCodeStore(nc: NatsConnection, options: JetStreamSetupOptions = {}): Promise<ObjectStore> {
  // The object store hashes every put and get; its default pure-JS SHA-256 held the event loop
  // about 1 s per 50 MB zip. The setting is process-wide, so every service opening the store gets it.
  setSha256Backend("native");
  const replicas = replicasFor(nc, options);
  const store = await new Objm(nc).create(CODE_BUCKET, { storage: StorageType.File, description: "fnmesh function code by sha256", replicas });
  // create() keeps an existing bucket's stream as it is.
  await followReplicas(await jetstreamManager(nc), (await store.status()).streamInfo.config.name, replicas);
  return store;
}

/**
 * A KV bucket as protocol defines it (`kvBuckets`), created if missing and, like the streams,
 * rescaled when FNMESH_JS_REPLICAS changed since it was made.
 */
export async function openKvBucket(nc: NatsConnection, def: KvBucketDefinition, options: JetStreamSetupOptions = {}): Promise<KV> {
  const replicas = replicasFor(nc, options);
  const kv = await new Kvm(nc).create(def.name, { history: def.history, storage: StorageType.File, replicas, description: def.description });
  await followReplicas(await jetstreamManager(nc), `KV_${def.name}`, replicas);
  return kv;
}
