/** Opens (creating if missing) the KV bucket of concurrency ledgers; every holder calls this. */
import type { NatsConnection } from "@nats-io/transport-node";
import { StorageType } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { CONCURRENCY_BUCKET } from "@fnmesh/protocol";

export interface ConcurrencyBucketOptions {
  /** JetStream replicas of the bucket's stream (a cluster's count); default 1. */
  replicas?: number;
}

export function openConcurrencyBucket(nc: NatsConnection, options: ConcurrencyBucketOptions = {}): Promise<KV> {
  // History 1: a ledger's compare-and-set needs only its newest revision. File storage: a restarted
  // server must not forget claims that running invocations still hold.
  return new Kvm(nc).create(CONCURRENCY_BUCKET, {
    history: 1, storage: StorageType.File, replicas: options.replicas ?? 1,
    description: "fnmesh concurrency ledgers: running invocations per holder, per limit",
  });
}
