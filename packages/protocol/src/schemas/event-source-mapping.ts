/**
 * Event source mappings: what a trigger replica needs to consume one source for one function (the
 * value under the mapping's UUID in EVENT_SOURCES_BUCKET, written by ingest after each create,
 * update and delete), and the four source ARN forms fnmesh accepts.
 */
import { z } from "zod";

/** contract: Lambda's values. Views carry the desired state only; Creating/Updating/Deleting are API answers. */
export const EventSourceMappingState = { Enabled: "Enabled", Disabled: "Disabled" } as const;
export type EventSourceMappingState = (typeof EventSourceMappingState)[keyof typeof EventSourceMappingState];

/** contract: Lambda's StartingPosition values. */
export const StartingPosition = { TrimHorizon: "TRIM_HORIZON", Latest: "LATEST", AtTimestamp: "AT_TIMESTAMP" } as const;
export type StartingPosition = (typeof StartingPosition)[keyof typeof StartingPosition];

/** contract: never rename */
export const EventSourceKind = { S3: "s3", Nats: "nats", JetStream: "jetstream", Postgres: "postgres" } as const;
export type EventSourceKind = (typeof EventSourceKind)[keyof typeof EventSourceKind];

export const EventSource = z.discriminatedUnion("kind", [
  /** A bucket on the configured S3-compatible server (MinIO). */
  z.object({ kind: z.literal(EventSourceKind.S3), bucket: z.string().min(3).max(63) }),
  /** A core NATS subject, wildcards allowed; at most once. */
  z.object({ kind: z.literal(EventSourceKind.Nats), subject: z.string().min(1) }),
  /** A JetStream stream, consumed by a durable consumer per mapping. */
  z.object({ kind: z.literal(EventSourceKind.JetStream), stream: z.string().min(1) }),
  /** A table's changes through logical replication; `source` names a connection in FNMESH_PG_SOURCES. */
  z.object({ kind: z.literal(EventSourceKind.Postgres), source: z.string().min(1), schema: z.string().min(1), table: z.string().min(1) }),
]);
export type EventSource = z.infer<typeof EventSource>;

export const EventSourceMappingView = z.object({
  v: z.literal(1),
  uuid: z.uuid(),
  /** The function's name; `qualifier` is `$LATEST` when the caller named it (fnmesh has no other). */
  functionName: z.string().min(1).max(64),
  functionQualifier: z.literal("$LATEST").optional(),
  eventSourceArn: z.string(),
  source: EventSource,
  state: z.enum([EventSourceMappingState.Enabled, EventSourceMappingState.Disabled]),
  batchSize: z.number().int().min(1),
  maximumBatchingWindowInSeconds: z.number().int().min(0),
  startingPosition: z.enum([StartingPosition.TrimHorizon, StartingPosition.Latest, StartingPosition.AtTimestamp]).optional(),
  /** Epoch ms; only with AT_TIMESTAMP. */
  startingPositionTimestamp: z.number().int().optional(),
  /** Lambda's FilterCriteria: patterns are JSON strings, OR'ed; absent means every record passes. */
  filterCriteria: z.object({ filters: z.array(z.object({ pattern: z.string() })) }).optional(),
  functionResponseTypes: z.array(z.literal("ReportBatchItemFailures")),
  /** -1: retry until the record expires (Lambda's default for streams). */
  maximumRetryAttempts: z.number().int().min(-1),
  /** DestinationConfig.OnFailure.Destination, an ARN parseDestinationArn accepts. */
  onFailure: z.string().optional(),
  /** Changes on every write (compare-and-set and change detection). */
  revision: z.string().min(1),
  /** Epoch ms. */
  lastModified: z.number().int(),
});
export type EventSourceMappingView = z.infer<typeof EventSourceMappingView>;

/**
 * What a trigger last saw of a mapping, answered as Lambda's LastProcessingResult: `OK` after a
 * batch succeeded, `PROBLEM: <what>` when it could not start or a batch failed; absent, the API
 * answers "No records processed". Written by triggers only when it changes.
 */
export const EventSourceMappingStatus = z.object({
  v: z.literal(1),
  uuid: z.uuid(),
  lastProcessingResult: z.string().max(1024),
  /** Epoch ms. */
  at: z.number().int(),
});
export type EventSourceMappingStatus = z.infer<typeof EventSourceMappingStatus>;

/** S3's bucket naming rules (lowercase, digits, dots, hyphens; 3–63; letter or digit at both ends). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
/** NATS subject tokens: no whitespace; `*` a whole token; `>` a whole last token. */
const SUBJECT_TOKEN = /^[^\s.*>]+$/;
const RESERVED_SUBJECT = /^(fnmesh\.|\$|_INBOX\.)/;
/** JetStream stream names: no whitespace, `.`, `*`, `>`, path separators. */
const STREAM = /^[^\s.*>/\\]{1,255}$/;
const PG_SOURCE = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;
/** Unquoted PostgreSQL identifiers (fnmesh does not accept quoted ones). */
const PG_IDENT = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;

function validSubject(subject: string): boolean {
  if (subject.length > 255 || RESERVED_SUBJECT.test(subject)) return false;
  const tokens = subject.split(".");
  return tokens.every((t, i) => t === "*" || (t === ">" && i === tokens.length - 1) || SUBJECT_TOKEN.test(t));
}

export const EVENT_SOURCE_ARN_FORMS = "arn:aws:s3:::<bucket>, arn:fnmesh:nats:<region>:<account>:subject/<subject>, "
  + "arn:fnmesh:jetstream:<region>:<account>:stream/<stream> or arn:fnmesh:postgres:<region>:<account>:table/<source>/<schema>.<table>";

/**
 * Parses an event source ARN for this region and account; returns why not otherwise (fnmesh's own
 * text: Lambda has no such sources). S3 ARNs carry no region or account (as in AWS).
 */
/**
 * fnmesh's own streams (FNMESH_*: the async queue, dead letters, S3 notifications, change feeds) and
 * the KV and object stores' streams: a mapping on one would take work from fnmesh or, for FNMESH_DLQ,
 * feed a failing function its own dead letters without end.
 */
export const RESERVED_STREAM = /^(FNMESH_|KV_|OBJ_)/;

export function parseEventSourceArn(arn: string, account: { region: string; accountId: string }): EventSource | { error: string } {
  const s3 = /^arn:aws:s3:::(.*)$/.exec(arn);
  if (s3) {
    const bucket = s3[1] ?? "";
    if (!BUCKET.test(bucket) || bucket.includes("..")) return { error: `The event source ARN ${arn} does not name a valid S3 bucket.` };
    return { kind: EventSourceKind.S3, bucket };
  }
  const m = /^arn:fnmesh:(nats|jetstream|postgres):([^:]*):([^:]*):(subject|stream|table)\/(.*)$/.exec(arn);
  if (!m) return { error: `The event source ARN ${arn} is invalid: use ${EVENT_SOURCE_ARN_FORMS}.` };
  const [, service, region, accountId, type, rest] = m as unknown as [string, "nats" | "jetstream" | "postgres", string, string, string, string];
  const expected = { nats: "subject", jetstream: "stream", postgres: "table" }[service];
  if (type !== expected) return { error: `The event source ARN ${arn} is invalid: use ${EVENT_SOURCE_ARN_FORMS}.` };
  if (region !== account.region || accountId !== account.accountId) {
    return { error: `The event source ARN ${arn} is not in this region and account (${account.region}, ${account.accountId}).` };
  }
  switch (service) {
    case "nats":
      if (!validSubject(rest)) return { error: `The event source ARN ${arn} does not name a valid NATS subject (tokens without whitespace, * and > as whole tokens, > last; not fnmesh.*, $*, _INBOX.*).` };
      return { kind: EventSourceKind.Nats, subject: rest };
    case "jetstream":
      if (!STREAM.test(rest)) return { error: `The event source ARN ${arn} does not name a valid JetStream stream.` };
      if (RESERVED_STREAM.test(rest)) return { error: `The event source ARN ${arn} names one of fnmesh's own streams (FNMESH_*, KV_*, OBJ_*), which cannot be mapped.` };
      return { kind: EventSourceKind.JetStream, stream: rest };
    case "postgres": {
      const t = /^([^/]+)\/([^.]+)\.([^.]+)$/.exec(rest);
      if (!t || !PG_SOURCE.test(t[1] ?? "") || !PG_IDENT.test(t[2] ?? "") || !PG_IDENT.test(t[3] ?? "")) {
        return { error: `The event source ARN ${arn} does not name a table as table/<source>/<schema>.<table> (unquoted identifiers).` };
      }
      return { kind: EventSourceKind.Postgres, source: t[1] ?? "", schema: t[2] ?? "", table: t[3] ?? "" };
    }
  }
}
