/**
 * The log lines of one invocation, held for a moment so they leave with its reply. nats.js writes to
 * the socket once per microtask turn of publishes, so START (published when the run begins), the
 * END/REPORT lines and the reply used to cost three socket writes per invocation — the executor's
 * largest CPU cost under load. Held until the reply (or `maxHoldMs`, so a long run's lines still
 * arrive as it goes), they cost one. Every line is still its own LogEvent with its own time, in order.
 */
import type { NatsConnection } from "@nats-io/transport-node";

export interface LogBatch {
  /** Queues one encoded message; it is published by the next flush, at most `maxHoldMs` later. */
  add(subject: string, data: Uint8Array): void;
  /** Publishes everything queued, in order, now. */
  flush(): void;
}

export function createLogBatch(nc: NatsConnection, maxHoldMs: number): LogBatch {
  let queued: { subject: string; data: Uint8Array }[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer !== undefined) { clearTimeout(timer); timer = undefined; }
    const out = queued;
    queued = [];
    for (const m of out) nc.publish(m.subject, m.data);
  };
  return {
    add(subject, data) {
      queued.push({ subject, data });
      timer ??= setTimeout(flush, maxHoldMs);
    },
    flush,
  };
}
