/**
 * @fnmesh/protocol — every NATS subject, header and message schema fnmesh services exchange, and
 * the one error type. Imports nothing from fnmesh; every other package may import it.
 *
 * @example
 * ```ts
 * import { catalog, decodeFramed, subjects } from "@fnmesh/protocol";
 * nc.subscribe(subjects.invokeAll, { queue: EXECUTOR_QUEUE, callback: (_e, msg) => {
 *   const { envelope, payload } = decodeFramed(catalog.invoke.request, msg.data, "invoke request");
 * }});
 * ```
 */
export {
  subjects, subjectToken, EXECUTOR_QUEUE, ASYNC_STREAM, ASYNC_CONSUMER, LEGACY_ASYNC_CONSUMER, DLQ_STREAM, CODE_BUCKET,
  FUNCTIONS_BUCKET, SCHEDULES_BUCKET, SCHEDULER_BUCKET, CONCURRENCY_BUCKET, EVENT_SOURCES_BUCKET, EVENT_SOURCE_STATUS_BUCKET, DeadLetterReason, SERVICES, codeKeys,
  functionViewKeys, scheduleKeys, concurrencyKeys, eventSourceKeys, REGISTRY_QUEUE, S3_EVENTS_STREAM, S3_EVENTS_CONSUMER, CHANGES_STREAM,
  eventSourceConsumer,
} from "./subjects.ts";
export type { ServiceName } from "./subjects.ts";
export { streams, consumers, kvBuckets } from "./streams.ts";
export type { StreamDefinition, ConsumerDefinition, KvBucketDefinition } from "./streams.ts";
export { ErrorCode, Component, ThrottleReason, FnmeshError, fromWire, isFnmeshError, toFnmeshError } from "./errors.ts";
export type { WireError, FnmeshErrorOptions } from "./errors.ts";
export { Header, injectTraceContext, extractTraceContext } from "./headers.ts";
export type { HeaderCarrier } from "./headers.ts";
export { Runtime, RUNTIMES, FUNCTION_NAME_PATTERN, runtimeSupportsCallback, CodeRef, FunctionSpec } from "./schemas/function.ts";
export { FunctionState, FunctionView } from "./schemas/function-view.ts";
export { InvocationType, InvokeSource, LogType, Limits, InvokeRequest, InvokeResult, FunctionError } from "./schemas/invocation.ts";
export type { InvokeRequestInput } from "./schemas/invocation.ts";
export { EventInvokeConfig, EventInvokeLimits, DEFAULT_EVENT_INVOKE_CONFIG } from "./schemas/event-invoke-config.ts";
export { DestinationCondition, DestinationRecord, parseDestinationArn } from "./schemas/destination.ts";
export type { DestinationTarget } from "./schemas/destination.ts";
export { ScheduleView, ScheduleState, ActionAfterCompletion, ScheduleCompleted } from "./schemas/schedule-view.ts";
export { ConcurrencyLedger } from "./schemas/concurrency.ts";
export {
  EventSourceMappingView, EventSourceMappingStatus, EventSourceMappingState, EventSource, EventSourceKind, StartingPosition, parseEventSourceArn, EVENT_SOURCE_ARN_FORMS, RESERVED_STREAM,
} from "./schemas/event-source-mapping.ts";
export { S3Notification, S3NotificationRecord } from "./schemas/s3-notification.ts";
export { NatsEvent, NatsEventRecord, NatsEventSource, BatchItemFailures, EVENT_SOURCE_MAPPING_HEADER, type StreamFailureRecord } from "./schemas/nats-event.ts";
export { PostgresChangeRecord, PostgresChangeEventName, POSTGRES_EVENT_SOURCE } from "./schemas/postgres-change.ts";
export { LogLevel, LogEvent, LogBatch } from "./schemas/log.ts";
export { HealthReply } from "./schemas/health.ts";
export { encodeJson, decodeJson, encodeFramed, decodeFramed } from "./codec.ts";
export { ISOLATE_BUILTINS, IMPOSSIBLE_BUILTINS, isolateBuiltin, unavailableBuiltinReason } from "./node-builtins.ts";
export type { IsolateBuiltin } from "./node-builtins.ts";
export { catalog, Delivery } from "./catalog.ts";
