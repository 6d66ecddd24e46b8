/**
 * Takes the bundles deploys push on `fnmesh.code.<sha256>` into the code cache, so a function's
 * code is in memory before its view arrives and prefetch only has to make its isolate and compile.
 * Only bytes that hash to the subject's sha256 are kept (code-cache.ts), the same check a fetch
 * from the object store passes; a push that never arrives just leaves the fetch to prefetch.
 */
import type { NatsConnection, Subscription } from "@nats-io/transport-node";
import { subjects } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";
import type { CodeCache } from "./code-cache.ts";

export function acceptCodePushes(nc: NatsConnection, code: CodeCache, log: Logger): Subscription {
  const prefix = subjects.codePushedAll.slice(0, -1);
  return nc.subscribe(subjects.codePushedAll, {
    callback: (err, msg) => {
      if (err) return;
      const sha = msg.subject.slice(prefix.length);
      if (!code.offer(sha, msg.data)) log.debug("pushed bundle not kept (already cached, or its hash differs)", { sha256: sha });
    },
  });
}
