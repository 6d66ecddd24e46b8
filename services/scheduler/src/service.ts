/**
 * startScheduler: owns the async queue (FNMESH_ASYNC: dispatch, retries with backoff, destinations,
 * dead letters; see src/async/) and reports health. Tests call this too.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { NatsConnection } from "@nats-io/transport-node";
import { serveHealth } from "@fnmesh/service-kit";
import type { Logger } from "@fnmesh/telemetry";
import type { SchedulerConfig } from "./config.ts";
import { startAsyncQueue } from "./async/async-queue.ts";
import { startScheduleTicks } from "./ticks/schedule-ticks.ts";

export interface SchedulerDeps { nc: NatsConnection; config: SchedulerConfig; log: Logger }

export async function startScheduler(deps: SchedulerDeps): Promise<{ stop(): Promise<void> }> {
  const queue = await startAsyncQueue(deps);
  const ticks = await startScheduleTicks({ nc: deps.nc, log: deps.log, replicas: deps.config.jsReplicas,
    config: { ...deps.config.ticks, holder: deps.config.ticks.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}` } });
  const health = serveHealth(deps.nc, "scheduler");
  health.setReady(true);
  deps.log.info("scheduler ready");
  return {
    async stop() {
      health.setReady(false, "stopping");
      await ticks.stop();
      await queue.stop();
      health.stop();
    },
  };
}
