/** The two KV buckets schedule ticks use; created by whichever service starts first. */
import type { NatsConnection } from "@nats-io/transport-node";
import { StorageType } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { SCHEDULER_BUCKET, SCHEDULES_BUCKET } from "@fnmesh/protocol";

export interface ScheduleBuckets {
  /** ScheduleViews, written by ingest. */
  schedules: KV;
  /** The leader lease and each schedule's last fired tick, written by schedulers. */
  state: KV;
}

export async function openScheduleBuckets(nc: NatsConnection, replicas: number): Promise<ScheduleBuckets> {
  const kvm = new Kvm(nc);
  // Keep these options equal to ingest's (services/ingest/src/schedules/registry.ts): creating an
  // existing bucket with other options fails.
  const schedules = await kvm.create(SCHEDULES_BUCKET, {
    history: 1, storage: StorageType.File, replicas, description: "fnmesh schedule views, by group and name",
  });
  const state = await kvm.create(SCHEDULER_BUCKET, {
    history: 1, storage: StorageType.File, replicas, description: "fnmesh scheduler lease and last fired ticks",
  });
  return { schedules, state };
}
