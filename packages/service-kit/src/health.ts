import { randomUUID } from "node:crypto";
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { encodeJson, HealthReply, subjects, type ServiceName } from "@fnmesh/protocol";

export interface HealthResponder { readonly instanceId: string; setReady(ready: boolean, detail?: string): void; stop(): void }

/** Answers `fnmesh.health.<service>` (every instance replies; no queue group) with this instance's readiness. */
export function serveHealth(nc: NatsConnection, service: ServiceName): HealthResponder {
  const instanceId = `${service}-${randomUUID().slice(0, 8)}`;
  const startedAt = Date.now();
  let ready = false;
  let detail: string | undefined;
  const sub: Subscription = nc.subscribe(subjects.health(service), {
    callback: (_err, msg) => {
      msg.respond(encodeJson(HealthReply, { v: 1, service, instanceId, ready, startedAt, ...(detail ? { detail } : {}) }));
    },
  });
  return {
    instanceId,
    setReady(r, d) { ready = r; detail = d; },
    stop() { sub.unsubscribe(); },
  };
}
