/**
 * Readiness of the whole mesh as seen from ingest: Postgres answers, NATS is connected, and at
 * least one instance of every service replies ready on `fnmesh.health.<service>`.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type pg from "pg";
import { decodeJson, HealthReply, SERVICES, subjects, type ServiceName } from "@fnmesh/protocol";

export interface Readiness { ready: boolean; checks: Record<string, string> }

const PING_TIMEOUT_MS = 500;

export async function checkReadiness(nc: NatsConnection, pool: pg.Pool, selfReady: boolean): Promise<Readiness> {
  const checks: Record<string, string> = {};
  checks.ingest = selfReady ? "ready" : "starting";
  checks.nats = nc.isClosed() ? "closed" : "connected";
  checks.postgres = await pool.query("SELECT 1").then(() => "ok", (err: Error) => `error: ${err.message}`);
  const others = SERVICES.filter((s): s is Exclude<ServiceName, "ingest"> => s !== "ingest");
  await Promise.all(others.map(async (service) => {
    try {
      const msg = await nc.request(subjects.health(service), undefined, { timeout: PING_TIMEOUT_MS });
      const reply = decodeJson(HealthReply, msg.data, "health reply");
      checks[service] = reply.ready ? "ready" : `not ready${reply.detail ? `: ${reply.detail}` : ""}`;
    } catch {
      checks[service] = "no instance answering";
    }
  }));
  const ready = Object.entries(checks).every(([k, v]) => v === "ready" || (k === "nats" && v === "connected") || (k === "postgres" && v === "ok"));
  return { ready, checks };
}
