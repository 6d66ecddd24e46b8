/**
 * Idempotent creation of the JetStream assets services share. Any service may call these at start;
 * the first one creates, the rest find what exists.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, jetstreamManager, type JetStreamManager, type StreamConfig } from "@nats-io/jetstream";
import { Objm, setSha256Backend, type ObjectStore } from "@nats-io/obj";
import { ASYNC_CONSUMER, ASYNC_STREAM, CODE_BUCKET, DLQ_STREAM, Limits, subjects } from "@fnmesh/protocol";

const HOUR_NS = 3600 * 1e9;

/** How the shared JetStream assets are created. */
export interface JetStreamSetupOptions {
  /**
   * Copies of each stream (FNMESH_JS_REPLICAS): 1 on a single server, 3 so that a 3-node cluster
   * keeps accepting and delivering with one node down. Default 1. An existing stream with another
   * count is rescaled to this one: JetStream moves the data itself.
   */
  replicas?: number;
}

/** Event invocations wait here until run; Lambda keeps async events up to 6 hours. */
export async function ensureAsyncStream(nc: NatsConnection, options: JetStreamSetupOptions = {}): Promise<JetStreamManager> {
  const num_replicas = replicasFor(nc, options);
  const jsm = await jetstreamManager(nc);
  const config = {
    name: ASYNC_STREAM,
    num_replicas,
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
    storage: StorageType.File, max_age: 14 * 24 * HOUR_NS, max_msg_size: 8 * 1024 * 1024, num_replicas });
  return jsm;
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
