/**
 * Ingest's event source mapping registry: the store, EVENT_SOURCES_BUCKET and its publisher
 * (reconciled at start). `routes` is what `createApp` registers.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type pg from "pg";
import { EventSourceMappingStatus, kvBuckets } from "@fnmesh/protocol";
import { openKvBucket } from "@fnmesh/service-kit";
import { createEventSourceMappingStore, type FunctionStore } from "@fnmesh/store";
import type { Logger } from "@fnmesh/telemetry";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import type { EventSourceRoutesDeps } from "./routes.ts";
import { createMappingViewPublisher } from "./view-publisher.ts";

export interface EventSourceRegistry { routes: EventSourceRoutesDeps; stop(): Promise<void> }

export async function startEventSourceRegistry(deps: {
  nc: NatsConnection; pool: pg.Pool; functions: FunctionStore; account: AccountInfo; log: Logger; replicas: number;
}): Promise<EventSourceRegistry> {
  const kv = await openKvBucket(deps.nc, kvBuckets.eventSources, { replicas: deps.replicas });
  const statusKv = await openKvBucket(deps.nc, kvBuckets.eventSourceStatus, { replicas: deps.replicas });
  const store = createEventSourceMappingStore(deps.pool);
  const views = createMappingViewPublisher({ kv, store, account: deps.account, log: deps.log.child({ component: "event-source-views" }) });
  views.start();
  return {
    routes: {
      store, views, functions: deps.functions, account: deps.account,
      async lastProcessingResult(uuid) {
        const entry = await statusKv.get(uuid);
        if (entry?.operation !== "PUT") return undefined;
        const status = EventSourceMappingStatus.safeParse(entry.json());
        return status.success ? status.data.lastProcessingResult : undefined;
      },
    },
    async stop() { await views.stop(); },
  };
}
