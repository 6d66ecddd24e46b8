/**
 * Request/reply over one wildcard inbox subscription, as nats.js's own muxed `request` does, minus
 * its per-request cost: nats.js ends every request — answered or not — by rejecting an
 * already-settled promise with a freshly constructed `RequestError` (a stack capture each time,
 * `noAsyncTraces` or not), 8–24 µs per invoke in ingest's profiles (docs/performance.md). Here an
 * answered request costs a map entry and a timer.
 *
 * A reply that is a NATS "no responders" status (empty body, header code 503) rejects with
 * `NoRespondersError`; a missing reply rejects with `TimeoutError` after `timeoutMs`; a closed
 * connection rejects whatever is pending.
 */
import { createInbox, NoRespondersError, TimeoutError, type Msg, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";

export interface ReplyMux {
  request(subject: string, data: Uint8Array, options: { timeoutMs: number; headers?: MsgHdrs }): Promise<Msg>;
}

interface Pending { subject: string; resolve(msg: Msg): void; reject(err: Error): void; timer: ReturnType<typeof setTimeout> }

export function createReplyMux(nc: NatsConnection): ReplyMux {
  const prefix = `${createInbox()}.`;
  const pending = new Map<string, Pending>();
  let next = 0;
  nc.subscribe(`${prefix}*`, {
    callback: (err, msg) => {
      if (err) return; // the subscription only ends with the connection, handled below
      const token = msg.subject.slice(prefix.length);
      const p = pending.get(token);
      if (p === undefined) return; // timed out already
      pending.delete(token);
      clearTimeout(p.timer);
      if (msg.data.length === 0 && msg.headers?.code === 503) p.reject(new NoRespondersError(p.subject));
      else p.resolve(msg);
    },
  });
  void nc.closed().then(() => {
    for (const [token, p] of pending) {
      pending.delete(token);
      clearTimeout(p.timer);
      p.reject(new Error("connection closed"));
    }
  });

  return {
    request(subject, data, { timeoutMs, headers }) {
      const token = (next++).toString(36);
      return new Promise<Msg>((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(token);
          reject(new TimeoutError());
        }, timeoutMs);
        pending.set(token, { subject, resolve, reject, timer });
        try {
          nc.publish(subject, data, { reply: `${prefix}${token}`, ...(headers ? { headers } : {}) });
        } catch (err) {
          pending.delete(token);
          clearTimeout(timer);
          reject(err as Error);
        }
      });
    },
  };
}
