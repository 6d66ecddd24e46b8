/** Opens (creating if missing) the KV bucket of concurrency ledgers; every holder calls this. */
import type { NatsConnection } from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import { kvBuckets } from "@fnmesh/protocol";
import { openKvBucket } from "@fnmesh/service-kit";

export interface ConcurrencyBucketOptions {
  /** JetStream replicas of the bucket's stream (a cluster's count); default 1. */
  replicas?: number;
}

export function openConcurrencyBucket(nc: NatsConnection, options: ConcurrencyBucketOptions = {}): Promise<KV> {
  return openKvBucket(nc, kvBuckets.concurrency, options);
}
