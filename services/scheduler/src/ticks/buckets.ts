/** The two KV buckets schedule ticks use, as protocol defines them; created by whichever service starts first. */
import type { NatsConnection } from "@nats-io/transport-node";
import type { KV } from "@nats-io/kv";
import { kvBuckets } from "@fnmesh/protocol";
import { openKvBucket } from "@fnmesh/service-kit";

export interface ScheduleBuckets {
  /** ScheduleViews, written by ingest. */
  schedules: KV;
  /** The leader lease and each schedule's last fired tick, written by schedulers. */
  state: KV;
}

export async function openScheduleBuckets(nc: NatsConnection, replicas: number): Promise<ScheduleBuckets> {
  const schedules = await openKvBucket(nc, kvBuckets.schedules, { replicas });
  const state = await openKvBucket(nc, kvBuckets.scheduler, { replicas });
  return { schedules, state };
}
