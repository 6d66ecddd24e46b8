/**
 * The JetStream streams and consumers fnmesh's contracts rest on, defined next to their subjects.
 * Plain data (this package imports no NATS client); @fnmesh/service-kit creates them from these.
 */
import {
  ASYNC_CONSUMER, ASYNC_STREAM, CHANGES_STREAM, S3_EVENTS_CONSUMER, S3_EVENTS_STREAM, CONCURRENCY_BUCKET, DLQ_STREAM, EVENT_SOURCE_STATUS_BUCKET, EVENT_SOURCES_BUCKET, FUNCTIONS_BUCKET, SCHEDULER_BUCKET, SCHEDULES_BUCKET, subjects,
} from "./subjects.ts";
import { Limits } from "./schemas/invocation.ts";

export interface StreamDefinition {
  name: string;
  subjects: string[];
  /** `workqueue`: a message leaves once acknowledged; `limits`: kept until max age. */
  retention: "workqueue" | "limits";
  maxAgeSec: number;
  maxMsgBytes: number;
  /** JetStream drops a second publish with the same Nats-Msg-Id inside this window. */
  duplicateWindowSec?: number;
}

export interface ConsumerDefinition {
  stream: string;
  durable: string;
  filterSubject: string;
  /** Unacknowledged for this long, a message is redelivered (the holder extends it while working). */
  ackWaitSec: number;
  /** -1: never give up on redelivery; the scheduler bounds a message by its event age instead. */
  maxDeliver: number;
  /** Messages out at once, including those waiting out a nak delay (throttled, retry backoff). */
  maxAckPending: number;
}

const HOUR = 3600;

export const streams = {
  /**
   * Accepted Event invocations until the scheduler has run them and delivered their outcome.
   * Lambda keeps an event up to 6 hours; de-duplicated by request id for 10 minutes.
   */
  async: {
    name: ASYNC_STREAM, subjects: [subjects.asyncAll], retention: "workqueue", maxAgeSec: 6 * HOUR,
    // Envelope plus the async payload limit.
    maxMsgBytes: Limits.asyncPayloadBytes + 64 * 1024, duplicateWindowSec: 10 * 60,
  },
  /** Messages fnmesh could not process or deliver, with a reason header and the original bytes, for 14 days. */
  dlq: {
    name: DLQ_STREAM, subjects: [subjects.dlqAll], retention: "limits", maxAgeSec: 14 * 24 * HOUR,
    maxMsgBytes: 8 * 1024 * 1024, duplicateWindowSec: 10 * 60,
  },
  /**
   * S3-format notification documents as their senders wrote them, until a trigger has enqueued an
   * invocation for every mapping they match. Senders set Nats-Msg-Id from bucket, key, sequencer
   * and event name where they can (the webhook does; MinIO sets none, so the trigger de-duplicates too).
   */
  s3Events: {
    name: S3_EVENTS_STREAM, subjects: [subjects.s3EventsAll], retention: "workqueue", maxAgeSec: 24 * HOUR,
    maxMsgBytes: 1024 * 1024, duplicateWindowSec: 10 * 60,
  },
  /**
   * Row changes read from a Postgres replication slot; the slot's position is confirmed only once
   * a change is here. One subject per mapping, each consumed by that mapping's durable consumer.
   */
  changes: {
    name: CHANGES_STREAM, subjects: [subjects.changesAll], retention: "workqueue", maxAgeSec: 24 * HOUR,
    maxMsgBytes: 8 * 1024 * 1024, duplicateWindowSec: 10 * 60,
  },
} as const satisfies Record<string, StreamDefinition>;

export const consumers = {
  /** Shared by every scheduler replica; each message goes to one of them. */
  asyncScheduler: {
    stream: ASYNC_STREAM, durable: ASYNC_CONSUMER, filterSubject: subjects.asyncAll,
    ackWaitSec: 30, maxDeliver: -1, maxAckPending: 20_000,
  },
  /** Shared by every trigger replica: each notification is fanned out to its mappings by one of them. */
  s3Trigger: {
    stream: S3_EVENTS_STREAM, durable: S3_EVENTS_CONSUMER, filterSubject: subjects.s3EventsAll,
    ackWaitSec: 30, maxDeliver: -1, maxAckPending: 1_000,
  },
} as const satisfies Record<string, ConsumerDefinition>;

/** A JetStream KV bucket fnmesh relies on; every service opens it from this one definition. */
export interface KvBucketDefinition {
  name: string;
  /** Revisions kept per key. */
  history: number;
  description: string;
}

/**
 * Every service that uses a bucket creates it if missing, and creating an existing bucket with
 * other options fails — so the options live here once. All are file-backed: a restarted server
 * keeps views, leases and claims.
 */
export const kvBuckets = {
  /** Function views by name (ingest writes; every resolver watches). History 1: readers need the newest view only. */
  functions: { name: FUNCTIONS_BUCKET, history: 1, description: "fnmesh function views: what an invocation needs, by function name" },
  /** Schedule views by group and name (ingest writes; schedulers watch). */
  schedules: { name: SCHEDULES_BUCKET, history: 1, description: "fnmesh schedule views, by group and name" },
  /** The schedulers' leader lease and each schedule's last fired tick. */
  scheduler: { name: SCHEDULER_BUCKET, history: 1, description: "fnmesh scheduler lease and last fired ticks" },
  /** Concurrency ledgers, one per limit; compare-and-set needs only the newest revision. */
  concurrency: { name: CONCURRENCY_BUCKET, history: 1, description: "fnmesh concurrency ledgers: running invocations per holder, per limit" },
  /** Event source mapping views by UUID (ingest writes; trigger replicas watch). */
  eventSources: { name: EVENT_SOURCES_BUCKET, history: 1, description: "fnmesh event source mapping views, by UUID" },
  /** What triggers last saw of each mapping (Lambda's LastProcessingResult), by UUID; written on changes only. */
  eventSourceStatus: { name: EVENT_SOURCE_STATUS_BUCKET, history: 1, description: "fnmesh event source mapping status (last processing result), by UUID" },
} as const satisfies Record<string, KvBucketDefinition>;
