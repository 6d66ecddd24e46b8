/**
 * Ingest's schedule registry: the store, SCHEDULES_BUCKET and its publisher (reconciled at start),
 * and the completion subscriber. `routes` is what `createApp` registers.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type pg from "pg";
import { kvBuckets } from "@fnmesh/protocol";
import { openKvBucket } from "@fnmesh/service-kit";
import { createScheduleStore } from "@fnmesh/store";
import type { Logger } from "@fnmesh/telemetry";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { serveScheduleCompletions } from "./completion.ts";
import type { ScheduleRoutesDeps } from "./routes.ts";
import { createScheduleViewPublisher } from "./view-publisher.ts";

export interface ScheduleRegistry { routes: ScheduleRoutesDeps; stop(): Promise<void> }

export async function startScheduleRegistry(deps: { nc: NatsConnection; pool: pg.Pool; account: AccountInfo; log: Logger; replicas: number }): Promise<ScheduleRegistry> {
  const kv = await openKvBucket(deps.nc, kvBuckets.schedules, { replicas: deps.replicas });
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
