/**
 * Dead letters: an event fnmesh gives up on lands in FNMESH_DLQ on `fnmesh.dlq.<reason>` with the
 * bytes it had (the framed invocation as queued, or the destination record that could not be
 * delivered) and headers saying why, so the dead-letter API can list and redrive it. The message id
 * `<requestId>.dlq` makes a dead letter written twice (scheduler crash before its ack) one.
 * Shared by the scheduler (async events) and the trigger (event source records).
 */
import { headers as natsHeaders } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import { EVENT_SOURCE_MAPPING_HEADER, Header, subjects, type DeadLetterReason } from "@fnmesh/protocol";

export interface DeadLetter {
  reason: DeadLetterReason;
  data: Uint8Array;
  originalSubject: string;
  /** JetStream de-duplication id. */
  msgId: string;
  requestId?: string;
  function?: string;
  /** Runs of the function so far. */
  attempts?: number;
  errorType?: string;
  errorMessage?: string;
  destination?: string;
  /** The event source mapping (UUID) whose record this was. */
  eventSourceMapping?: string;
}

const MAX_HEADER_CHARS = 1024;

/** Header values are one line: CR/LF would end the header block. */
function headerValue(value: string): string {
  const line = value.replace(/[\r\n]+/g, " ");
  return line.length > MAX_HEADER_CHARS ? `${line.slice(0, MAX_HEADER_CHARS - 1)}…` : line;
}

/** Resolves once the dead-letter stream stored it (PubAck); throws otherwise, so the caller keeps the original. */
export async function publishDeadLetter(js: JetStreamClient, dl: DeadLetter): Promise<void> {
  const h = natsHeaders();
  h.set(Header.DeadLetterReason, dl.reason);
  h.set(Header.OriginalSubject, dl.originalSubject);
  if (dl.requestId !== undefined) h.set(Header.RequestId, dl.requestId);
  if (dl.function !== undefined) h.set(Header.Function, dl.function);
  if (dl.attempts !== undefined) h.set(Header.Attempts, String(dl.attempts));
  if (dl.errorType !== undefined) h.set(Header.ErrorType, headerValue(dl.errorType));
  if (dl.errorMessage !== undefined) h.set(Header.ErrorMessage, headerValue(dl.errorMessage));
  if (dl.destination !== undefined) h.set(Header.Destination, headerValue(dl.destination));
  if (dl.eventSourceMapping !== undefined) h.set(EVENT_SOURCE_MAPPING_HEADER, dl.eventSourceMapping);
  await js.publish(subjects.dlq(dl.reason), dl.data, { headers: h, msgID: dl.msgId });
}
