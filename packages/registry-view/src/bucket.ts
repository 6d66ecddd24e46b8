/** Opens (creating if missing) the KV bucket of function views; every writer and reader calls this. */
import type { NatsConnection } from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import { kvBuckets } from "@fnmesh/protocol";
import { openKvBucket } from "@fnmesh/service-kit";

export interface FunctionBucketOptions {
  /** JetStream replicas of the bucket's stream (a cluster's count); default 1. */
  replicas?: number;
}

export function openFunctionBucket(nc: NatsConnection, options: FunctionBucketOptions = {}): Promise<KV> {
  return openKvBucket(nc, kvBuckets.functions, options);
}
