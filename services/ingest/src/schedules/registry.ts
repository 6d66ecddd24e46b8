/**
 * Ingest's schedule registry: the store, SCHEDULES_BUCKET and its publisher (reconciled at start),
 * and the completion subscriber. `routes` is what `createApp` registers.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { StorageType } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type pg from "pg";
import { SCHEDULES_BUCKET } from "@fnmesh/protocol";
import { createScheduleStore } from "@fnmesh/store";
import type { Logger } from "@fnmesh/telemetry";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { serveScheduleCompletions } from "./completion.ts";
import type { ScheduleRoutesDeps } from "./routes.ts";
import { createScheduleViewPublisher } from "./view-publisher.ts";

export interface ScheduleRegistry { routes: ScheduleRoutesDeps; stop(): Promise<void> }

export async function startScheduleRegistry(deps: { nc: NatsConnection; pool: pg.Pool; account: AccountInfo; log: Logger; replicas: number }): Promise<ScheduleRegistry> {
  // Keep these options equal to the scheduler's (services/scheduler/src/ticks/buckets.ts): creating
  // an existing bucket with other options fails.
  const kv = await new Kvm(deps.nc).create(SCHEDULES_BUCKET, {
    history: 1, storage: StorageType.File, replicas: deps.replicas, description: "fnmesh schedule views, by group and name",
  });
  const store = createScheduleStore(deps.pool);
  const log = deps.log.child({ component: "schedule-views" });
  const views = createScheduleViewPublisher({ kv, store, account: deps.account, log });
  views.start();
  const sub = serveScheduleCompletions(deps.nc, store, views, log);
  return {
    routes: { store, views, account: deps.account },
    async stop() {
      sub.unsubscribe();
      await views.stop();
    },
  };
}
