/**
 * De-duplication. MinIO sets no message id, keeps undelivered events in its queue dir and replays
 * them after an outage (so a notification can arrive twice), and a document may come both through
 * the NATS target and the webhook. A record is identified by bucket, object name, sequencer and
 * event name (without MinIO's `s3:` prefix, so both routes agree); from that:
 *
 * - `notificationMessageId`: the Nats-Msg-Id the webhook publishes a document to FNMESH_S3 with;
 * - `s3RequestId`: the request id of the Event invocation of one mapping for one record, a UUID
 *   derived by hashing, so FNMESH_ASYNC drops a replay as a duplicate.
 *
 * Both rely on JetStream's duplicate window (10 minutes on FNMESH_S3 and FNMESH_ASYNC): a replay
 * later than that runs the function again. Amazon S3 also delivers "at least once"; handlers
 * should be idempotent.
 */
import { createHash } from "node:crypto";
import type { S3NotificationRecord } from "@fnmesh/protocol";
import { lambdaEventName } from "./lambda-record.ts";
import { decodeS3Key } from "./object-key.ts";

/** What identifies one record: bucket, object name, sequencer, event name. */
export function recordIdentity(record: S3NotificationRecord): string {
  return JSON.stringify([record.s3.bucket.name, decodeS3Key(record.s3.object.key), record.s3.object.sequencer ?? "", lambdaEventName(record.eventName)]);
}

/** Nats-Msg-Id of a document (all its records) on FNMESH_S3. */
export function notificationMessageId(records: readonly S3NotificationRecord[]): string {
  const h = createHash("sha256");
  for (const r of records) h.update(recordIdentity(r)).update("\n");
  return `s3-${h.digest("hex")}`;
}

/** A UUID (RFC 9562 version 8) from SHA-256 of `of`. */
export function uuidV8(of: string): string {
  const h = createHash("sha256").update(of).digest("hex");
  const variant = ((parseInt(h[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The Event invocation's request id for one mapping and one record: the same on every replay. */
export function s3RequestId(mappingUuid: string, record: S3NotificationRecord): string {
  return uuidV8(`fnmesh-s3\n${mappingUuid}\n${recordIdentity(record)}`);
}
