/**
 * startTrigger: for now only joins the mesh and reports ready. It will turn MinIO notifications,
 * Postgres change feeds and JetStream streams into invocations (event source mappings).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { serveHealth } from "@fnmesh/service-kit";
import type { Logger } from "@fnmesh/telemetry";

export interface TriggerDeps { nc: NatsConnection; log: Logger }

export async function startTrigger(deps: TriggerDeps): Promise<{ stop(): Promise<void> }> {
  const health = serveHealth(deps.nc, "trigger");
  health.setReady(true);
  deps.log.info("trigger ready");
  return { async stop() { health.stop(); } };
}
