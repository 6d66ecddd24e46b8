/**
 * One FNMESH_S3 message: an S3-format notification document from MinIO's NATS target (as MinIO
 * wrote it) or ingest's webhook. Each record goes to every Enabled S3 mapping of its bucket whose
 * FilterCriteria it passes, as one Event invocation with Lambda's `{ Records: [record] }`. The
 * message is acknowledged only after every enqueue's PubAck; a failed enqueue naks it and the whole
 * document comes back, its already-queued invocations then dropped by FNMESH_ASYNC as duplicates
 * (request ids derive from mapping and record). An unreadable document goes to the dead-letter
 * stream with its original bytes and is acknowledged: it never stalls the consumer.
 */
import type { JetStreamClient, JsMsg } from "@nats-io/jetstream";
import {
  DeadLetterReason, EventSourceKind, EventSourceMappingState, InvocationType, InvokeSource, LogType,
  type EventSourceMappingView, type S3NotificationRecord,
} from "@fnmesh/protocol";
import { publishDeadLetter, type InvokeClient } from "@fnmesh/invoke";
import { compileFilters, type RecordFilter } from "@fnmesh/event-filter";
import { parseS3Notification, s3RequestId, toLambdaS3Record } from "@fnmesh/s3-events";
import type { Logger } from "@fnmesh/telemetry";

export interface S3MessageDeps {
  js: JetStreamClient;
  invoker: InvokeClient;
  log: Logger;
  mappings: () => Iterable<EventSourceMappingView>;
  /** awsRegion for records whose sender names none. */
  region: string;
  /** The compiled FilterCriteria of a mapping revision. */
  filterOf(mapping: EventSourceMappingView): RecordFilter;
}

export type S3MessageOutcome =
  | { kind: "fanned_out"; records: number; invocations: number }
  | { kind: "dead_lettered"; reason: string }
  | { kind: "retry"; error: unknown };

/** Enabled S3 mappings of a bucket. */
function mappingsFor(all: Iterable<EventSourceMappingView>, bucket: string): EventSourceMappingView[] {
  const out: EventSourceMappingView[] = [];
  for (const m of all) {
    if (m.source.kind === EventSourceKind.S3 && m.source.bucket === bucket && m.state === EventSourceMappingState.Enabled) out.push(m);
  }
  return out;
}

/** A filter that compiled at mapping time and now throws (never expected) drops nothing: log it and pass. */
export function compileMappingFilter(mapping: EventSourceMappingView, log: Logger): RecordFilter {
  try {
    return compileFilters(mapping.filterCriteria ? { Filters: mapping.filterCriteria.filters.map((f) => ({ Pattern: f.pattern })) } : undefined,
      // Ingest validated the count against the account's quota (5, or 10 after an increase).
      { maxFilters: 10 });
  } catch (err) {
    log.error("an S3 mapping's FilterCriteria does not compile; passing every record", { mapping: mapping.uuid, err });
    return () => true;
  }
}

const encoder = new TextEncoder();

async function enqueueAll(deps: S3MessageDeps, records: readonly S3NotificationRecord[]): Promise<number> {
  const pending: Promise<unknown>[] = [];
  const all = [...deps.mappings()];
  for (const record of records) {
    const targets = mappingsFor(all, record.s3.bucket.name);
    if (targets.length === 0) continue;
    const lambdaRecord = toLambdaS3Record(record, { defaultRegion: deps.region });
    const payload = encoder.encode(JSON.stringify({ Records: [lambdaRecord] }));
    for (const mapping of targets) {
      if (!deps.filterOf(mapping)(lambdaRecord)) continue;
      pending.push(deps.invoker.enqueue({
        v: 2, requestId: s3RequestId(mapping.uuid, record), invocationType: InvocationType.Event, logType: LogType.None,
        function: mapping.functionName, source: { kind: InvokeSource.Trigger, arn: mapping.eventSourceArn }, attempt: 1, acceptedAt: Date.now(),
      }, payload));
    }
  }
  // Every enqueue is awaited (none left running) before the first failure is reported.
  const results = await Promise.allSettled(pending);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return pending.length;
}

/** FNMESH_DLQ on `fnmesh.dlq.invalid_source_record`, the original bytes, the reason in headers. */
function deadLetter(js: JetStreamClient, m: JsMsg, reason: string): Promise<void> {
  return publishDeadLetter(js, {
    reason: DeadLetterReason.InvalidSourceRecord, data: m.data, originalSubject: m.subject,
    errorType: "InvalidS3Notification", errorMessage: reason,
    // One dead letter per stored message even if this replica crashes before its ack.
    msgId: `s3-${m.info.stream}-${m.seq}.dlq`,
  });
}

/** Decides and answers the message (ack, or nak with `retryDelayMs`); never throws. */
export async function handleS3Message(deps: S3MessageDeps, m: JsMsg, retryDelayMs: number): Promise<S3MessageOutcome> {
  const parsed = parseS3Notification(m.data);
  if (!parsed.ok) {
    try {
      await deadLetter(deps.js, m, parsed.reason);
    } catch (error) {
      deps.log.warn("could not dead-letter an invalid S3 notification; it will come back", { seq: m.seq, err: error });
      m.nak(retryDelayMs);
      return { kind: "retry", error };
    }
    deps.log.warn("invalid S3 notification dead-lettered", { subject: m.subject, seq: m.seq, reason: parsed.reason });
    m.ack();
    return { kind: "dead_lettered", reason: parsed.reason };
  }
  const records = parsed.notification.Records;
  // A slow JetStream must not let the ack wait (30 s) hand the document to another replica meanwhile.
  const working = setInterval(() => { try { m.working(); } catch { /* connection gone: redelivered later */ } }, 10_000);
  try {
    const invocations = await enqueueAll(deps, records);
    m.ack();
    return { kind: "fanned_out", records: records.length, invocations };
  } catch (error) {
    deps.log.warn("queueing an S3 notification's invocations failed; it will come back", { seq: m.seq, err: error });
    m.nak(retryDelayMs);
    return { kind: "retry", error };
  } finally {
    clearInterval(working);
  }
}
