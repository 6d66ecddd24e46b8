/**
 * Readiness of the whole mesh as seen from ingest: Postgres answers, NATS is connected, and at
 * least one instance of every service replies ready on `fnmesh.health.<service>`. `/healthz` is
 * unauthenticated, so each check says only whether it passed ("not ready" otherwise); the reason
 * (error text, a service's own detail) goes to the log.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type pg from "pg";
import { decodeJson, HealthReply, SERVICES, subjects, type ServiceName } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";

export interface Readiness { ready: boolean; checks: Record<string, string> }

/** The word a passing check shows (kept from earlier releases); a failing one shows NOT_READY. */
const PASSING = { ingest: "ready", nats: "connected", postgres: "ok", service: "ready" } as const;
export const NOT_READY = "not ready";
const PING_TIMEOUT_MS = 500;

export async function checkReadiness(nc: NatsConnection, pool: pg.Pool, selfReady: boolean, log: Logger): Promise<Readiness> {
  const checks: Record<string, string> = {};
  const problems: Record<string, string> = {};
  const fail = (check: string, reason: string) => { checks[check] = NOT_READY; problems[check] = reason; };
  if (selfReady) checks.ingest = PASSING.ingest; else fail("ingest", "starting or stopping");
  if (!nc.isClosed()) checks.nats = PASSING.nats; else fail("nats", "connection closed");
  await pool.query("SELECT 1").then(() => { checks.postgres = PASSING.postgres; }, (err: Error) => fail("postgres", err.message));
  const others = SERVICES.filter((s): s is Exclude<ServiceName, "ingest"> => s !== "ingest");
  await Promise.all(others.map(async (service) => {
    try {
      const msg = await nc.request(subjects.health(service), undefined, { timeout: PING_TIMEOUT_MS });
      const reply = decodeJson(HealthReply, msg.data, "health reply");
      if (reply.ready) checks[service] = PASSING.service; else fail(service, reply.detail ?? "reported not ready");
    } catch (err) {
      fail(service, `no instance answering (${(err as Error).message})`);
    }
  }));
  const ready = Object.keys(problems).length === 0;
  if (!ready) log.warn("not ready", { problems });
  return { ready, checks };
}
