/**
 * Writing a feed's output to JetStream: records into FNMESH_CHANGES on `fnmesh.changes.<mapping>`,
 * undecodable changes and skipped ranges into FNMESH_DLQ. Each resolves only after every PubAck, so
 * the feed confirms nothing that is not stored.
 *
 * Message ids make replays harmless: a change's id is `<slot>:<commit LSN>:<position in its
 * transaction>`, the same each time PostgreSQL re-sends it after a crash, so FNMESH_CHANGES drops a
 * second copy within its duplicate window (streams.changes.duplicateWindowSec).
 */
import { headers as natsHeaders } from "@nats-io/transport-node";
import type { JetStreamClient, PubAck } from "@nats-io/jetstream";
import { DeadLetterReason, Header, subjects, type PostgresChangeRecord } from "@fnmesh/protocol";
import type { UndecodableChange } from "./change-feed.ts";
import { slotName } from "./names.ts";
import type { SlotSkipped } from "./slot-lag-guard.ts";

/** Publishes this many at once, awaiting their PubAcks together. */
const IN_FLIGHT = 256;

/** The Nats-Msg-Id of a change record. contract: never rename (replays de-duplicate on it) */
export function changeMessageId(slot: string, record: PostgresChangeRecord): string {
  return `${slot}:${record.eventID}`;
}

/** Resolves once FNMESH_CHANGES stored (or de-duplicated) every record; rejects if any publish failed. */
export async function publishChanges(js: JetStreamClient, mappingUuid: string, records: readonly PostgresChangeRecord[]): Promise<{ stored: number; duplicates: number }> {
  const slot = slotName(mappingUuid);
  const subject = subjects.changes(mappingUuid);
  let duplicates = 0;
  for (let i = 0; i < records.length; i += IN_FLIGHT) {
    const acks: Promise<PubAck>[] = [];
    for (const record of records.slice(i, i + IN_FLIGHT)) {
      acks.push(js.publish(subject, JSON.stringify(record), { msgID: changeMessageId(slot, record) }));
    }
    const settled = await Promise.allSettled(acks);
    const failed = settled.find((s) => s.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
    for (const s of settled) if (s.status === "fulfilled" && s.value.duplicate) duplicates++;
  }
  return { stored: records.length - duplicates, duplicates };
}

/** A change the feed could not decode: its pgoutput bytes into FNMESH_DLQ (reason invalid_source_record). */
export async function publishUndecodable(js: JetStreamClient, mappingUuid: string, change: UndecodableChange): Promise<void> {
  const h = natsHeaders();
  h.set(Header.DeadLetterReason, DeadLetterReason.InvalidSourceRecord);
  h.set(Header.OriginalSubject, subjects.changes(mappingUuid));
  h.set(Header.ErrorType, "UndecodableChange");
  h.set(Header.ErrorMessage, oneLine(`${change.slot} at ${change.lsn}: ${change.reason}`));
  await js.publish(subjects.dlq(DeadLetterReason.InvalidSourceRecord), change.data, { headers: h, msgID: `${change.slot}:${change.lsn}:dlq` });
}

/**
 * A range the slot-lag policy skipped: a JSON document naming it into FNMESH_DLQ (reason
 * invalid_source_record: those changes can no longer be read), written before the slot moves.
 */
export async function publishSlotSkipped(js: JetStreamClient, skipped: SlotSkipped): Promise<void> {
  const h = natsHeaders();
  h.set(Header.DeadLetterReason, DeadLetterReason.InvalidSourceRecord);
  h.set(Header.OriginalSubject, subjects.changes(skipped.mappingUuid));
  h.set(Header.ErrorType, "SlotLagExceeded");
  h.set(Header.ErrorMessage, oneLine(`slot ${skipped.slot} was ${skipped.lagBytes} bytes behind; changes from ${skipped.fromLsn ?? "?"} to ${skipped.toLsn} skipped`));
  const body = JSON.stringify({ kind: "slot_skipped", ...skipped });
  await js.publish(subjects.dlq(DeadLetterReason.InvalidSourceRecord), body, { headers: h, msgID: `${skipped.slot}:${skipped.toLsn}:skipped` });
}

function oneLine(value: string): string {
  const line = value.replace(/[\r\n]+/g, " ");
  return line.length > 1024 ? `${line.slice(0, 1023)}…` : line;
}
