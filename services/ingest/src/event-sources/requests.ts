/**
 * CreateEventSourceMapping / UpdateEventSourceMapping bodies to what the store keeps. Model
 * constraints (API reference, CreateEventSourceMapping: BatchSize 1–10000,
 * MaximumBatchingWindowInSeconds 0–300, MaximumRetryAttempts -1–10000, StartingPosition and
 * FunctionResponseTypes enums) answer Lambda's ValidationException; the rules of each source kind
 * answer InvalidParameterValueException, in AWS's words where AWS has them:
 * - "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null."
 *   and "Timestamp only valid with StartingPosition AT_TIMESTAMP" and "Unsupported starting position for arn type: <arn>"
 *   (AWS-recorded, localstack test_lambda_api.snapshot.json and event_source_mapping/test_api.snapshot.json);
 * - "StartingPosition is not valid for SQS event sources." (same snapshot) — fnmesh says NATS/S3 for its at-most-once kinds;
 * - "Maximum batch size must be between 1 and 10 inclusive" (AWS's answer quoted in pulumi/pulumi-aws-serverless#20), with each kind's bounds.
 *
 * Per kind (fnmesh's choices, documented in the README):
 * - jetstream: like Kinesis — BatchSize 1–10000 (default 100), window 0–300 s, StartingPosition required
 *   (TRIM_HORIZON, LATEST, AT_TIMESTAMP), retries, OnFailure and ReportBatchItemFailures;
 * - postgres: like DynamoDB Streams — BatchSize 1–10000 (default 100), window 0–300 s, StartingPosition LATEST only
 *   (a replication slot starts where it is created; default LATEST), retries, OnFailure and ReportBatchItemFailures;
 * - nats, s3: each message or record is one asynchronous invocation — BatchSize 1, no window, no starting
 *   position, no retries/destinations here (the function's event invoke config applies).
 */
import { z } from "zod";
import { EventSourceKind, StartingPosition, parseDestinationArn, type EventSource } from "@fnmesh/protocol";
import type { EventSourceMappingRecord } from "@fnmesh/store";
import { invalidParameter } from "../lambda/errors.ts";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { parseBody } from "../lambda/requests.ts";
import { rangeViolation, throwIfViolations, violation } from "../lambda/validation-exception.ts";
import { unsupportedDestination } from "./errors.ts";
import { parseFilterCriteria } from "./filter-criteria.ts";

const Destination = z.object({ Destination: z.string().nullable().optional() }).passthrough();
const MappingBody = z.object({
  FunctionName: z.string().optional(),
  EventSourceArn: z.string().optional(),
  Enabled: z.boolean().nullable().optional(),
  BatchSize: z.number().int().nullable().optional(),
  MaximumBatchingWindowInSeconds: z.number().int().nullable().optional(),
  StartingPosition: z.string().nullable().optional(),
  /** Epoch seconds, the SDK's REST-JSON timestamp. */
  StartingPositionTimestamp: z.number().nullable().optional(),
  FilterCriteria: z.unknown().optional(),
  FunctionResponseTypes: z.array(z.string()).nullable().optional(),
  MaximumRetryAttempts: z.number().int().nullable().optional(),
  DestinationConfig: z.object({ OnSuccess: Destination.nullable().optional(), OnFailure: Destination.nullable().optional() }).passthrough().nullable().optional(),
}).passthrough();
export type MappingBody = z.infer<typeof MappingBody>;

/** Members fnmesh does not implement; given with a non-default value, they are refused rather than ignored. */
const UNSUPPORTED: Record<string, unknown> = {
  ParallelizationFactor: 1, TumblingWindowInSeconds: 0, BisectBatchOnFunctionError: false, MaximumRecordAgeInSeconds: -1,
  Topics: undefined, Queues: undefined, SourceAccessConfigurations: undefined, SelfManagedEventSource: undefined,
  SelfManagedKafkaEventSourceConfig: undefined, AmazonManagedKafkaEventSourceConfig: undefined, DocumentDBEventSourceConfig: undefined,
  ScalingConfig: undefined, KMSKeyArn: undefined, ProvisionedPollerConfig: undefined, MetricsConfig: undefined,
};

interface KindRules {
  label: string;
  maxBatch: number;
  defaultBatch: number;
  maxWindow: number;
  /** Undefined: the kind takes no StartingPosition. */
  positions?: readonly StartingPosition[];
  defaultPosition?: StartingPosition;
  /** Retries, OnFailure and ReportBatchItemFailures. */
  batches: boolean;
}

export const KIND_RULES: Record<EventSourceKind, KindRules> = {
  jetstream: { label: "JetStream", maxBatch: 10_000, defaultBatch: 100, maxWindow: 300, batches: true,
    positions: [StartingPosition.TrimHorizon, StartingPosition.Latest, StartingPosition.AtTimestamp] },
  postgres: { label: "PostgreSQL", maxBatch: 10_000, defaultBatch: 100, maxWindow: 300, batches: true,
    positions: [StartingPosition.Latest], defaultPosition: StartingPosition.Latest },
  nats: { label: "NATS", maxBatch: 1, defaultBatch: 1, maxWindow: 0, batches: false },
  s3: { label: "S3", maxBatch: 1, defaultBatch: 1, maxWindow: 0, batches: false },
};

export function parseMappingBody(body: Uint8Array): MappingBody {
  const parsed = parseBody(MappingBody, body);
  for (const [member, neutral] of Object.entries(UNSUPPORTED)) {
    const value = (parsed as Record<string, unknown>)[member];
    if (value !== undefined && value !== null && value !== neutral) {
      throw invalidParameter(`fnmesh does not support ${member} for event source mappings.`);
    }
  }
  const position = parsed.StartingPosition ?? undefined;
  const types = parsed.FunctionResponseTypes ?? [];
  throwIfViolations([
    rangeViolation(parsed.BatchSize ?? undefined, "batchSize", 1, 10_000),
    rangeViolation(parsed.MaximumBatchingWindowInSeconds ?? undefined, "maximumBatchingWindowInSeconds", 0, 300),
    rangeViolation(parsed.MaximumRetryAttempts ?? undefined, "maximumRetryAttempts", -1, 10_000),
    position !== undefined && !(Object.values(StartingPosition) as string[]).includes(position)
      ? violation(position, "startingPosition", "Member must satisfy enum value set: [LATEST, AT_TIMESTAMP, TRIM_HORIZON]") : undefined,
    types.some((t) => t !== "ReportBatchItemFailures")
      ? violation(`[${types.join(", ")}]`, "functionResponseTypes", "Member must satisfy constraint: [Member must satisfy enum value set: [ReportBatchItemFailures]]") : undefined,
  ]);
  return parsed;
}

/** The settings a mapping gets: the body's members over `base` (Create: none; Update: the stored mapping). */
export type MappingSettings = Omit<EventSourceMappingRecord, "uuid" | "revision" | "createdAt" | "lastModified" | "functionName" | "functionQualifier" | "eventSourceArn">;

export function resolveSettings(source: EventSource, eventSourceArn: string, body: MappingBody, account: AccountInfo, base?: MappingSettings): MappingSettings {
  const rules = KIND_RULES[source.kind];
  const batchSize = body.BatchSize ?? base?.batchSize ?? rules.defaultBatch;
  if (batchSize > rules.maxBatch) throw invalidParameter(`Maximum batch size must be between 1 and ${rules.maxBatch} inclusive`);
  const window = body.MaximumBatchingWindowInSeconds ?? base?.maximumBatchingWindowInSeconds ?? 0;
  if (window > rules.maxWindow) {
    throw invalidParameter(`MaximumBatchingWindowInSeconds is not valid for ${rules.label} event sources: each message is invoked on its own.`);
  }

  let startingPosition = base ? base.startingPosition : (body.StartingPosition ?? undefined) as StartingPosition | undefined;
  let startingPositionTimestamp = base ? base.startingPositionTimestamp : undefined;
  if (!base) {
    const ts = body.StartingPositionTimestamp ?? undefined;
    if (!rules.positions) {
      if (startingPosition !== undefined || ts !== undefined) throw invalidParameter(`StartingPosition is not valid for ${rules.label} event sources.`);
    } else {
      startingPosition ??= rules.defaultPosition;
      if (startingPosition === undefined) {
        throw invalidParameter("1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.");
      }
      if (!rules.positions.includes(startingPosition)) throw invalidParameter(`Unsupported starting position for arn type: ${eventSourceArn}`);
      if (ts !== undefined && startingPosition !== StartingPosition.AtTimestamp) throw invalidParameter("Timestamp only valid with StartingPosition AT_TIMESTAMP");
      if (startingPosition === StartingPosition.AtTimestamp) {
        // fnmesh's text: AWS documents the rule without publishing its message.
        if (ts === undefined || ts < 0) throw invalidParameter("StartingPositionTimestamp is required with StartingPosition AT_TIMESTAMP (epoch seconds, not negative).");
        startingPositionTimestamp = new Date(Math.round(ts * 1000));
      }
    }
  }

  const filters = body.FilterCriteria !== undefined ? parseFilterCriteria(body.FilterCriteria) : (base?.filterCriteria ?? { Filters: [] });
  const functionResponseTypes = (body.FunctionResponseTypes ?? base?.functionResponseTypes ?? []) as "ReportBatchItemFailures"[];
  const maximumRetryAttempts = body.MaximumRetryAttempts ?? base?.maximumRetryAttempts ?? -1;

  const dc = body.DestinationConfig ?? undefined;
  if (dc?.OnSuccess?.Destination) throw unsupportedDestination();
  // Given, DestinationConfig replaces; an empty OnFailure removes the destination.
  const onFailure = dc !== undefined ? (dc.OnFailure?.Destination || undefined) : base?.onFailure;
  if (!rules.batches) {
    if (onFailure !== undefined) throw unsupportedDestination();
    if (maximumRetryAttempts !== -1 || functionResponseTypes.length > 0) {
      throw invalidParameter(`MaximumRetryAttempts and FunctionResponseTypes are not valid for ${rules.label} event sources: each message is an asynchronous invocation, retried as the function's event invoke config says.`);
    }
  }
  if (onFailure !== undefined) {
    const target = parseDestinationArn(onFailure, account);
    if ("error" in target) throw invalidParameter(target.error);
    if (target.kind === "function") throw unsupportedDestination();
  }

  return {
    enabled: body.Enabled ?? base?.enabled ?? true,
    batchSize, maximumBatchingWindowInSeconds: window, functionResponseTypes, maximumRetryAttempts,
    ...(startingPosition !== undefined ? { startingPosition } : {}),
    ...(startingPositionTimestamp !== undefined ? { startingPositionTimestamp } : {}),
    ...(filters.Filters.length > 0 ? { filterCriteria: filters } : {}),
    ...(onFailure !== undefined ? { onFailure } : {}),
  };
}
