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
export { subjects, subjectToken, EXECUTOR_QUEUE, ASYNC_STREAM, ASYNC_CONSUMER, DLQ_STREAM, CODE_BUCKET, FUNCTIONS_BUCKET, SERVICES, codeKeys, functionViewKeys } from "./subjects.ts";
export type { ServiceName } from "./subjects.ts";
export { ErrorCode, Component, FnmeshError, fromWire, isFnmeshError, toFnmeshError } from "./errors.ts";
export type { WireError, FnmeshErrorOptions } from "./errors.ts";
export { Header, injectTraceContext, extractTraceContext } from "./headers.ts";
export type { HeaderCarrier } from "./headers.ts";
export { Runtime, RUNTIMES, FUNCTION_NAME_PATTERN, runtimeSupportsCallback, CodeRef, FunctionSpec } from "./schemas/function.ts";
export { FunctionState, FunctionView } from "./schemas/function-view.ts";
export { InvocationType, LogType, Limits, InvokeRequest, InvokeResult, FunctionError } from "./schemas/invocation.ts";
export type { InvokeRequestInput } from "./schemas/invocation.ts";
export { LogLevel, LogEvent } from "./schemas/log.ts";
export { HealthReply } from "./schemas/health.ts";
export { encodeJson, decodeJson, encodeFramed, decodeFramed } from "./codec.ts";
export { catalog, Delivery } from "./catalog.ts";
