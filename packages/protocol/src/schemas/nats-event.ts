/**
 * What a function receives from a NATS or JetStream event source mapping, modelled on Lambda's
 * Kafka and Amazon MQ events: the source and its ARN, then records with the message's subject,
 * headers and base64 `data` (the bytes as published, so any format survives), plus the stream,
 * sequence and time for JetStream. A core NATS mapping sends one record per event; a JetStream
 * mapping up to BatchSize. FilterCriteria read `data` as base64 JSON and the rest as metadata.
 *
 * ```json
 * { "eventSource": "fnmesh:jetstream", "eventSourceArn": "arn:fnmesh:jetstream:us-east-1:000000000000:stream/ORDERS",
 *   "records": [{ "subject": "orders.new", "data": "eyJpZCI6MX0=", "headers": { "k": ["v"] },
 *                 "stream": "ORDERS", "sequence": 42, "timestamp": 1764921600000, "deliveryCount": 1 }] }
 * ```
 */
import { z } from "zod";

/** contract: never rename */
export const NatsEventSource = { Nats: "fnmesh:nats", JetStream: "fnmesh:jetstream" } as const;
export type NatsEventSource = (typeof NatsEventSource)[keyof typeof NatsEventSource];

export const NatsEventRecord = z.object({
  subject: z.string(),
  /** The message body, base64. */
  data: z.string(),
  /** NATS headers (each may repeat), without fnmesh's own; `{}` when the message had none. */
  headers: z.record(z.string(), z.array(z.string())),
  /** JetStream only: the stream, the stream sequence (the record's itemIdentifier, as a string), its time (epoch ms) and deliveries so far. */
  stream: z.string().optional(),
  sequence: z.number().int().optional(),
  timestamp: z.number().int().optional(),
  deliveryCount: z.number().int().optional(),
});
export type NatsEventRecord = z.infer<typeof NatsEventRecord>;

export const NatsEvent = z.object({
  eventSource: z.enum([NatsEventSource.Nats, NatsEventSource.JetStream]),
  eventSourceArn: z.string(),
  records: z.array(NatsEventRecord),
});
export type NatsEvent = z.infer<typeof NatsEvent>;

/**
 * A batch handler's partial-failure answer (FunctionResponseTypes ReportBatchItemFailures), Lambda's
 * shape: `itemIdentifier` is the record's id (a JetStream record's sequence, as a string).
 */
export const BatchItemFailures = z.object({
  batchItemFailures: z.array(z.object({ itemIdentifier: z.union([z.string(), z.number()]).nullable().optional() })).nullable().optional(),
});
export type BatchItemFailures = z.infer<typeof BatchItemFailures>;

/** On a dead letter from an event source mapping: the mapping's UUID. contract: never rename */
export const EVENT_SOURCE_MAPPING_HEADER = "Fnmesh-Event-Source-Mapping";

/**
 * What a JetStream-backed mapping's OnFailure destination receives when a batch (or the records a
 * ReportBatchItemFailures answer kept failing) ran out of MaximumRetryAttempts: Lambda's record for
 * stream sources (`requestContext` with condition RetryAttemptsExhausted, `responseContext`,
 * `version`, `timestamp`, and batch info in place of `KinesisBatchInfo`), plus `payload`, the event
 * of the failed records, because a work-queue stream no longer holds them once they are given up.
 */
export interface StreamFailureRecord {
  requestContext: { requestId: string; functionArn: string; condition: "RetryAttemptsExhausted"; approximateInvokeCount: number };
  responseContext: { statusCode: number; executedVersion: string; functionError?: "Unhandled" };
  version: "1.0";
  /** ISO 8601. */
  timestamp: string;
  JetStreamBatchInfo: {
    stream: string;
    startSequence: number;
    endSequence: number;
    /** ISO 8601, when JetStream stored the first and last record. */
    approximateArrivalOfFirstRecord: string;
    approximateArrivalOfLastRecord: string;
    batchSize: number;
    /** The mapping's EventSourceArn. */
    streamArn: string;
  };
  payload: unknown;
}
