/** Opens (creating if missing) the KV bucket of function views; every writer and reader calls this. */
import type { NatsConnection } from "@nats-io/transport-node";
import { StorageType } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { FUNCTIONS_BUCKET } from "@fnmesh/protocol";

export interface FunctionBucketOptions {
  /** JetStream replicas of the bucket's stream (a cluster's count); default 1. */
  replicas?: number;
}

export function openFunctionBucket(nc: NatsConnection, options: FunctionBucketOptions = {}): Promise<KV> {
  // History 1: readers need the newest view only; PostgreSQL keeps the record.
  return new Kvm(nc).create(FUNCTIONS_BUCKET, {
    history: 1, storage: StorageType.File, replicas: options.replicas ?? 1,
    description: "fnmesh function views: what an invocation needs, by function name",
  });
}
