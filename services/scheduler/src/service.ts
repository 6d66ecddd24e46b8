/**
 * startScheduler: for now only joins the mesh and reports ready. It will own the async queue
 * (retries with backoff, destinations, dead letters), concurrency accounting and cron schedules.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { ensureAsyncStream, serveHealth } from "@fnmesh/service-kit";
import type { Logger } from "@fnmesh/telemetry";
import type { SchedulerConfig } from "./config.ts";

export interface SchedulerDeps { nc: NatsConnection; config: SchedulerConfig; log: Logger }

export async function startScheduler(deps: SchedulerDeps): Promise<{ stop(): Promise<void> }> {
  // The async stream is the scheduler's future work queue; make sure it exists from the start.
  await ensureAsyncStream(deps.nc, { replicas: deps.config.jsReplicas });
  const health = serveHealth(deps.nc, "scheduler");
  health.setReady(true);
  deps.log.info("scheduler ready");
  return { async stop() { health.stop(); } };
}
