/**
 * Reads FNMESH_DLQ's headers from a sequence on (an ordered consumer, headers only: bodies stay in
 * the stream) and keeps the dead letters of one function. Dead letters are few and kept 14 days; a
 * scan stops after `maxScanned` messages and says where to go on.
 */
import { DeliverPolicy, jetstream, jetstreamManager, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { DLQ_STREAM, Header, subjects } from "@fnmesh/protocol";

/** One dead letter as the list API shows it. */
export interface DeadLetterSummary {
  Sequence: number;
  Reason: string;
  RequestId?: string;
  /** ISO 8601, when it was dead-lettered. */
  Time: string;
  Attempts?: number;
  ErrorType?: string;
  ErrorMessage?: string;
  Destination?: string;
}

export interface ScanResult { items: DeadLetterSummary[]; next?: number }

/** `fnmesh.dlq.`: a dead letter's subject is this plus its reason. */
const PREFIX = subjects.dlq("x").slice(0, -1);
/** Nothing new for this long means the consumer has caught up (the last message may have been deleted). */
const IDLE_MS = 1_000;

function summarize(seq: number, reason: string, time: Date, get: (h: string) => string): DeadLetterSummary {
  const opt = (name: string) => get(name) || undefined;
  const attempts = opt(Header.Attempts);
  return {
    Sequence: seq, Reason: reason, Time: time.toISOString(),
    ...(opt(Header.RequestId) ? { RequestId: get(Header.RequestId) } : {}),
    ...(attempts !== undefined ? { Attempts: Number(attempts) } : {}),
    ...(opt(Header.ErrorType) ? { ErrorType: get(Header.ErrorType) } : {}),
    ...(opt(Header.ErrorMessage) ? { ErrorMessage: get(Header.ErrorMessage) } : {}),
    ...(opt(Header.Destination) ? { Destination: get(Header.Destination) } : {}),
  };
}

export async function scanDeadLetters(nc: NatsConnection, fn: string, from: number, maxItems: number, maxScanned = 10_000): Promise<ScanResult> {
  const info = await (await jetstreamManager(nc)).streams.info(DLQ_STREAM);
  const last = info.state.last_seq;
  if (info.state.messages === 0 || from > last) return { items: [] };
  const consumer = await jetstream(nc).consumers.get(DLQ_STREAM, {
    filter_subjects: subjects.dlqAll, deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(from, info.state.first_seq), headers_only: true,
  });
  const iter = await consumer.consume({ max_messages: 256 });
  const items: DeadLetterSummary[] = [];
  let scanned = 0;
  let next: number | undefined;
  let idle = setTimeout(() => iter.stop(), IDLE_MS);
  try {
    for await (const m of iter as AsyncIterable<JsMsg>) {
      clearTimeout(idle);
      idle = setTimeout(() => iter.stop(), IDLE_MS);
      scanned++;
      const get = (h: string) => (m.headers?.has(h) ? m.headers.get(h) : "");
      if (get(Header.Function) === fn) {
        items.push(summarize(m.seq, m.subject.slice(PREFIX.length), new Date(Math.floor(m.info.timestampNanos / 1e6)), get));
      }
      const done = m.seq >= last || m.info.pending === 0;
      if (!done && (items.length >= maxItems || scanned >= maxScanned)) { next = m.seq + 1; break; }
      if (done) break;
    }
  } finally {
    clearTimeout(idle);
    iter.stop();
  }
  return { items, ...(next !== undefined ? { next } : {}) };
}
