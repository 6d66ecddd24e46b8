/**
 * The only place that builds NATS subject strings.
 *
 *   fnmesh.
 *   ├── invoke.<function>     request/reply   sync invocation, served by the executor queue group
 *   ├── async.<function>      JetStream       event invocations (stream FNMESH_ASYNC, msg id = request id),
 *   │                                         consumed by the scheduler, which runs them through invoke.<function>
 *   ├── logs.<function>       publish         one LogBatch per executor turn: the lines it wrote for that function
 *   ├── dlq.<reason>          JetStream       messages fnmesh could not process, with the reason (stream FNMESH_DLQ)
 *   ├── registry.schedule-completed  request/reply  a scheduler asks ingest to delete a fired one-off (ActionAfterCompletion DELETE)
 *   ├── code.<sha256>         publish         a bundle just stored in CODE_BUCKET, its bytes pushed to every executor before
 *   │                                         its view is written (best effort; executors check the hash, else fetch it)
 *   └── health.<service>      request/reply   readiness of each service instance (all reply)
 *
 * KV bucket FUNCTIONS_BUCKET (`$KV.fnmesh-functions.<key>`): one FunctionView per function, written
 * only by the registry's owner (ingest), watched by every resolver. Keys: `functionViewKeys`.
 * KV bucket SCHEDULES_BUCKET: one ScheduleView per schedule (owner: ingest; readers: schedulers).
 * KV bucket SCHEDULER_BUCKET: the schedulers' leader lease and each schedule's last fired tick.
 * KV bucket CONCURRENCY_BUCKET: the concurrency ledgers executors count running invocations in.
 * KV bucket EVENT_SOURCES_BUCKET: one EventSourceMappingView per mapping UUID (owner: ingest; readers: triggers).
 * Stream and consumer definitions: streams.ts.
 *
 * Function names follow Lambda's rule ([A-Za-z0-9_-], 1–64), so they are always one safe token.
 */

const TOKEN = /^[A-Za-z0-9_-]+$/;

/** Queue group shared by all executors for sync invocations. contract: never rename */
export const EXECUTOR_QUEUE = "fnmesh-executor";
/** Queue group of the registry's owner (ingest) for registry requests. contract: never rename */
export const REGISTRY_QUEUE = "fnmesh-registry";
/** JetStream stream holding accepted Event invocations. contract: never rename */
export const ASYNC_STREAM = "FNMESH_ASYNC";
/** JetStream stream keeping undeliverable or invalid messages with their reason. contract: never rename */
export const DLQ_STREAM = "FNMESH_DLQ";
/** Durable pull consumer through which schedulers drain the async stream. contract: never rename */
export const ASYNC_CONSUMER = "fnmesh-async-scheduler";
/** The consumer executors drained the stream with before the scheduler owned it; removed at scheduler start. */
export const LEGACY_ASYNC_CONSUMER = "fnmesh-async-executor";
/** JetStream object store bucket with function bundles, keyed by bundle sha256. contract: never rename */
export const CODE_BUCKET = "fnmesh-code";

/**
 * JetStream KV bucket holding what an invocation needs of each function (FunctionView), so no
 * invocation reads PostgreSQL. PostgreSQL stays the source of truth. contract: never rename
 */
export const FUNCTIONS_BUCKET = "fnmesh-functions";
/** KV bucket of ScheduleViews. contract: never rename */
export const SCHEDULES_BUCKET = "fnmesh-schedules";
/** KV bucket of the schedulers' lease and fired ticks. contract: never rename */
export const SCHEDULER_BUCKET = "fnmesh-scheduler";
/** KV bucket of concurrency ledgers (who runs how many, until when). contract: never rename */
export const CONCURRENCY_BUCKET = "fnmesh-concurrency";
/** Bucket notifications from S3-compatible stores (MinIO's NATS target, the webhook), until a trigger fans them out. contract: never rename */
export const S3_EVENTS_STREAM = "FNMESH_S3";
/** The trigger replicas' shared consumer of S3_EVENTS_STREAM. contract: never rename */
export const S3_EVENTS_CONSUMER = "fnmesh-trigger-s3";
/** Postgres changes read from replication slots, held durably until the mapping's consumer delivers them. contract: never rename */
export const CHANGES_STREAM = "FNMESH_CHANGES";
/** The durable consumer of one event source mapping (on the user's stream, or on CHANGES_STREAM). contract: never rename */
export const eventSourceConsumer = (uuid: string) => `fnmesh-esm-${uuid}`;
/** KV bucket of EventSourceMappingViews, keyed by mapping UUID (owner: ingest; readers: triggers). contract: never rename */
export const EVENT_SOURCES_BUCKET = "fnmesh-event-sources";
/** KV bucket of EventSourceMappingStatus by mapping UUID (writers: triggers; reader: ingest's API). contract: never rename */
export const EVENT_SOURCE_STATUS_BUCKET = "fnmesh-event-source-status";

/** Why a message sits in FNMESH_DLQ (its subject's last token). contract: added, never renamed */
export const DeadLetterReason = {
  InvalidMessage: "invalid_message",
  InvalidFunctionView: "invalid_function_view",
  InvalidScheduleView: "invalid_schedule_view",
  RetriesExhausted: "retries_exhausted",
  EventAgeExceeded: "event_age_exceeded",
  FunctionNotFound: "function_not_found",
  DestinationFailed: "destination_failed",
  /** An event source's record that cannot be read (a malformed S3 notification, an undecodable change). */
  InvalidSourceRecord: "invalid_source_record",
  /** An event source mapping's batch or record that kept failing past its MaximumRetryAttempts, with no OnFailure. */
  SourceRetriesExhausted: "source_retries_exhausted",
} as const;
export type DeadLetterReason = (typeof DeadLetterReason)[keyof typeof DeadLetterReason];

/**
 * Keys inside FUNCTIONS_BUCKET. `$LATEST` is the bare function name (KV keys cannot hold `$`); a
 * later version or alias will be `<name>.<qualifier>`, so a name is always exactly one token.
 * contract: never rename
 */
export const functionViewKeys = {
  latest: (fn: string) => subjectToken(fn, "function name"),
  /** The function name of a `$LATEST` key, or undefined for any other key. */
  parseLatest: (key: string): string | undefined => (TOKEN.test(key) ? key : undefined),
} as const;

const b64url = (s: string) => Buffer.from(s, "utf8").toString("base64url");

/**
 * Keys of SCHEDULES_BUCKET and SCHEDULER_BUCKET. Schedule and group names may hold `.`, which KV
 * keys treat as a token separator, so a schedule's key is base64url of `<group>/<name>`.
 * contract: never rename
 */
export const scheduleKeys = {
  schedule: (group: string, name: string) => `s_${b64url(`${group}/${name}`)}`,
  parseSchedule: (key: string): { group: string; name: string } | undefined => {
    if (!key.startsWith("s_")) return undefined;
    const text = Buffer.from(key.slice(2), "base64url").toString("utf8");
    const cut = text.indexOf("/");
    return cut > 0 ? { group: text.slice(0, cut), name: text.slice(cut + 1) } : undefined;
  },
  /** The last tick (epoch ms) fired for a schedule, in SCHEDULER_BUCKET. */
  lastTick: (group: string, name: string) => `t_${b64url(`${group}/${name}`)}`,
  /** The leader lease, in SCHEDULER_BUCKET. */
  lease: "lease",
} as const;

/** Keys of CONCURRENCY_BUCKET: one ledger per function with reserved concurrency, one for the unreserved pool. contract: never rename */
export const concurrencyKeys = {
  reserved: (fn: string) => `fn.${subjectToken(fn, "function name")}`,
  unreserved: "unreserved",
} as const;

/** Keys of EVENT_SOURCES_BUCKET: the mapping's UUID as is (hex and hyphens are valid KV keys). contract: never rename */
export const eventSourceKeys = {
  mapping: (uuid: string) => uuid,
} as const;

/** Keys inside CODE_BUCKET: deployment zips and runnable bundles, both by hex sha256. contract: never rename */
export const codeKeys = {
  zip: (sha256Hex: string) => `zip/${sha256Hex}`,
  bundle: (sha256Hex: string) => `bundle/${sha256Hex}`,
} as const;

export const SERVICES = ["ingest", "executor", "scheduler", "trigger"] as const;
export type ServiceName = (typeof SERVICES)[number];

/** Rejects anything that is not one plain subject token (no `.`, `*`, `>`, spaces or empties). */
export function subjectToken(value: string, what = "subject token"): string {
  if (!TOKEN.test(value)) throw new RangeError(`invalid ${what} for a NATS subject: ${JSON.stringify(value)}`);
  return value;
}

export const subjects = {
  invoke: (fn: string) => `fnmesh.invoke.${subjectToken(fn, "function name")}`,
  invokeAll: "fnmesh.invoke.*",
  async: (fn: string) => `fnmesh.async.${subjectToken(fn, "function name")}`,
  asyncAll: "fnmesh.async.>",
  logs: (fn: string) => `fnmesh.logs.${subjectToken(fn, "function name")}`,
  logsAll: "fnmesh.logs.*",
  dlq: (reason: string) => `fnmesh.dlq.${subjectToken(reason, "dead-letter reason")}`,
  dlqAll: "fnmesh.dlq.>",
  health: (service: ServiceName) => `fnmesh.health.${service}`,
  /** Served by ingest replicas in queue group REGISTRY_QUEUE; the body is a ScheduleCompleted. */
  scheduleCompleted: "fnmesh.registry.schedule-completed",
  /**
   * S3-format bucket notifications; `<origin>` names who sent them: `minio` is MinIO's NATS target
   * in JetStream mode (infra/compose.yaml), `webhook` is ingest's webhook receiver.
   */
  s3Events: (origin: string) => `fnmesh.s3.${subjectToken(origin, "notification origin")}`,
  s3EventsAll: "fnmesh.s3.>",
  /** One Postgres mapping's changes, in commit order. */
  changes: (mappingUuid: string) => `fnmesh.changes.${subjectToken(mappingUuid, "mapping UUID")}`,
  changesAll: "fnmesh.changes.>",
  /** A bundle's bytes pushed by the deploy that stored it; the token is its sha256 (hex). */
  codePushed: (sha256Hex: string) => `fnmesh.code.${subjectToken(sha256Hex, "bundle sha256")}`,
  codePushedAll: "fnmesh.code.*",
} as const;
