/**
 * Stored mappings as Lambda returns them (EventSourceMappingConfiguration) and as trigger replicas
 * read them (EventSourceMappingView). Members follow what AWS answered in localstack's
 * test_lambda_api.snapshot.json: stream-like sources (jetstream, postgres, as Kinesis/DynamoDB)
 * carry StartingPosition, MaximumRetryAttempts, DestinationConfig, LastProcessingResult and the
 * fixed BisectBatchOnFunctionError/MaximumRecordAgeInSeconds/ParallelizationFactor/TumblingWindow
 * defaults, with StateTransitionReason "User action"; per-message sources (nats, s3, as SQS) carry
 * BatchSize, window and FilterCriteria, with "USER_INITIATED". LastModified is epoch seconds.
 */
import { EventSourceMappingView, type EventSource } from "@fnmesh/protocol";
import type { EventSourceMappingRecord } from "@fnmesh/store";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { functionArn, partitionOf } from "../lambda/function-name.ts";
import { KIND_RULES } from "./requests.ts";

/** What the API says a mapping is doing: the stored Enabled flag, or the transition a call just started. */
export type AnsweredState = "Creating" | "Enabled" | "Disabled" | "Enabling" | "Disabling" | "Updating" | "Deleting";

export function mappingArn(account: AccountInfo, uuid: string): string {
  return `arn:${partitionOf(account.region)}:lambda:${account.region}:${account.accountId}:event-source-mapping:${uuid}`;
}

/**
 * `lastProcessingResult`: what a trigger reported (fnmesh-event-source-status); stream-like sources
 * answer "No records processed" without one, per-message sources answer it only when there is one.
 */
export function mappingConfiguration(
  m: EventSourceMappingRecord, source: EventSource, account: AccountInfo, state?: AnsweredState, lastProcessingResult?: string,
): Record<string, unknown> {
  const streamLike = KIND_RULES[source.kind].batches;
  return {
    UUID: m.uuid,
    BatchSize: m.batchSize,
    EventSourceArn: m.eventSourceArn,
    EventSourceMappingArn: mappingArn(account, m.uuid),
    FunctionArn: functionArn(account.region, account.accountId, m.functionName, m.functionQualifier),
    FunctionResponseTypes: m.functionResponseTypes,
    LastModified: m.lastModified.getTime() / 1000,
    MaximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    State: state ?? (m.enabled ? "Enabled" : "Disabled"),
    ...(m.filterCriteria ? { FilterCriteria: m.filterCriteria } : {}),
    ...(streamLike ? {
      BisectBatchOnFunctionError: false,
      DestinationConfig: { OnFailure: m.onFailure !== undefined ? { Destination: m.onFailure } : {} },
      LastProcessingResult: lastProcessingResult ?? "No records processed",
      MaximumRecordAgeInSeconds: -1,
      MaximumRetryAttempts: m.maximumRetryAttempts,
      ParallelizationFactor: 1,
      ...(m.startingPosition !== undefined ? { StartingPosition: m.startingPosition } : {}),
      ...(m.startingPositionTimestamp ? { StartingPositionTimestamp: m.startingPositionTimestamp.getTime() / 1000 } : {}),
      StateTransitionReason: "User action",
      TumblingWindowInSeconds: 0,
    } : { StateTransitionReason: "USER_INITIATED", ...(lastProcessingResult !== undefined ? { LastProcessingResult: lastProcessingResult } : {}) }),
  };
}

export function toMappingView(m: EventSourceMappingRecord, source: EventSource): EventSourceMappingView {
  return EventSourceMappingView.parse({
    v: 1, uuid: m.uuid, functionName: m.functionName,
    ...(m.functionQualifier ? { functionQualifier: m.functionQualifier } : {}),
    eventSourceArn: m.eventSourceArn, source, state: m.enabled ? "Enabled" : "Disabled",
    batchSize: m.batchSize, maximumBatchingWindowInSeconds: m.maximumBatchingWindowInSeconds,
    ...(m.startingPosition ? { startingPosition: m.startingPosition } : {}),
    ...(m.startingPositionTimestamp ? { startingPositionTimestamp: m.startingPositionTimestamp.getTime() } : {}),
    ...(m.filterCriteria ? { filterCriteria: { filters: m.filterCriteria.Filters.map((f) => ({ pattern: f.Pattern })) } } : {}),
    functionResponseTypes: m.functionResponseTypes, maximumRetryAttempts: m.maximumRetryAttempts,
    ...(m.onFailure ? { onFailure: m.onFailure } : {}),
    revision: m.revision, lastModified: m.lastModified.getTime(),
  });
}
