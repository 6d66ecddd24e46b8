/**
 * NATS and JetStream messages as records of the NatsEvent (protocol `schemas/nats-event.ts`), and the
 * event around them. The body is base64 so any bytes survive; headers keep every value.
 */
import type { Msg, MsgHdrs } from "@nats-io/transport-node";
import type { JsMsg } from "@nats-io/jetstream";
import type { NatsEvent, NatsEventRecord, NatsEventSource } from "@fnmesh/protocol";

function headersOf(h: MsgHdrs | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (!h) return out;
  for (const key of h.keys()) out[key] = h.values(key);
  return out;
}

/** A core NATS message. */
export function coreRecord(m: Msg): NatsEventRecord {
  return { subject: m.subject, data: Buffer.from(m.data).toString("base64"), headers: headersOf(m.headers) };
}

/** A JetStream message: also its stream, stream sequence, stored time and deliveries. */
export function jetStreamRecord(m: JsMsg): NatsEventRecord {
  return {
    subject: m.subject, data: Buffer.from(m.data).toString("base64"), headers: headersOf(m.headers),
    stream: m.info.stream, sequence: m.seq, timestamp: m.time.getTime(), deliveryCount: m.info.deliveryCount,
  };
}

export function natsEvent(eventSource: NatsEventSource, eventSourceArn: string, records: NatsEventRecord[]): NatsEvent {
  return { eventSource, eventSourceArn, records };
}
