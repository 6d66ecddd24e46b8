/**
 * Pulls from the scheduler's durable consumer no more messages than it has room for, and hands each
 * to `handle` without waiting for the others: many events are in flight at once, and a slow or
 * poisoned one holds one slot, never the queue. Pulling only what fits (rather than a buffered
 * `consume`) means no fetched message waits out its ack wait in a local buffer.
 */
import type { ConsumerMessages, JetStreamClient, JsMsg } from "@nats-io/jetstream";
import { consumers } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";

export interface ConsumeLoopOptions {
  js: JetStreamClient;
  log: Logger;
  maxInFlight: number;
  /** Never rejects (it answers every message itself); a rejection is logged. */
  handle(m: JsMsg): Promise<void>;
  /** How long one pull waits for messages. Default 5 s. */
  pullExpiresMs?: number;
}

export interface ConsumeLoop {
  readonly inFlight: number;
  /** Stops pulling and waits for the messages in hand. */
  stop(): Promise<void>;
}

export function startConsumeLoop(options: ConsumeLoopOptions): ConsumeLoop {
  const { js, log, maxInFlight } = options;
  const inflight = new Set<Promise<void>>();
  let stopped = false;
  let batch: ConsumerMessages | undefined;
  let wake: (() => void) | undefined;
  const pause = (ms?: number) => new Promise<void>((resolve) => {
    const t = ms === undefined ? undefined : setTimeout(resolve, ms);
    wake = () => { if (t) clearTimeout(t); resolve(); };
  });
  // Refill once a quarter of the slots are free, so a busy queue is pulled in batches, not one by one.
  const refillAt = Math.max(1, Math.floor(maxInFlight / 4));

  const loop = (async () => {
    let failures = 0;
    while (!stopped) {
      try {
        const consumer = await js.consumers.get(consumers.asyncScheduler.stream, consumers.asyncScheduler.durable);
        while (!stopped) {
          const free = maxInFlight - inflight.size;
          if (free < refillAt) { await pause(); continue; }
          batch = await consumer.fetch({ max_messages: free, expires: options.pullExpiresMs ?? 5_000 });
          for await (const m of batch) {
            // The invoke client sends the requests begun in one turn together (one socket write per pull).
            const p = options.handle(m)
              .catch((err: unknown) => log.error("async message handler failed", { err, seq: m.seq }))
              .finally(() => { inflight.delete(p); wake?.(); });
            inflight.add(p);
          }
          failures = 0;
        }
      } catch (err) {
        if (stopped || (err as Error).name === "ClosedConnectionError") break;
        failures++;
        log.warn("pulling the async queue failed; pulling again", { err, failures });
        await pause(Math.min(10_000, 500 * failures));
      }
    }
  })();

  return {
    get inFlight() { return inflight.size; },
    async stop() {
      stopped = true;
      batch?.stop();
      wake?.();
      await loop;
      await Promise.allSettled([...inflight]);
    },
  };
}
