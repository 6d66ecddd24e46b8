import { connect, type NatsConnection } from "@nats-io/transport-node";
import type { Logger } from "@fnmesh/telemetry";

export interface NatsOptions { url: string; name: string }

/** Payload fnmesh needs through core NATS: a 6 MB event plus its envelope. */
export const REQUIRED_MAX_PAYLOAD = 7 * 1024 * 1024;

/** Connects with unlimited reconnects and logs connection status changes. */
export async function connectNats(options: NatsOptions, log: Logger): Promise<NatsConnection> {
  const nc = await connect({
    servers: options.url.split(","),
    name: options.name,
    maxReconnectAttempts: -1,
    noAsyncTraces: true,
  });
  const maxPayload = nc.info?.max_payload ?? 0;
  if (maxPayload < REQUIRED_MAX_PAYLOAD) {
    log.warn("nats max_payload is below what 6 MB invocations need; set max_payload: 8MB on the server", { maxPayload });
  }
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === "disconnect" || s.type === "reconnect" || s.type === "error") log.warn("nats status", { status: s.type });
    }
  })().catch(() => undefined);
  return nc;
}
