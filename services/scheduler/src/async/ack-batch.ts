/**
 * Acknowledgements sent together. nats.js writes to the socket once per microtask turn of publishes,
 * and each message's ack comes in its own turn (after its invocation's reply), so a busy queue paid
 * one socket write per ack — with the invocation request, most of the scheduler's CPU per event.
 * Deferred to the next macrotask, the acks of every reply that arrived in the same read leave in one
 * write. A delay of one turn changes nothing a message's ack wait could notice.
 */
import type { JsMsg } from "@nats-io/jetstream";

export interface AckBatch {
  /** Acknowledges `m` with the others queued this turn. */
  ack(m: JsMsg): void;
  /** Sends what is queued now (before stopping). */
  flush(): void;
}

export function createAckBatch(): AckBatch {
  let queued: JsMsg[] = [];
  let scheduled: NodeJS.Immediate | undefined;
  const flush = () => {
    if (scheduled !== undefined) { clearImmediate(scheduled); scheduled = undefined; }
    const out = queued;
    queued = [];
    for (const m of out) {
      // A closed connection: the ack wait returns the message, and it runs again (at least once).
      try { m.ack(); } catch { /* see above */ }
    }
  };
  return {
    ack(m) {
      queued.push(m);
      scheduled ??= setImmediate(flush);
    },
    flush,
  };
}
