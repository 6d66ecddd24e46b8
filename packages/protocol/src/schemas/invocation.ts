import { z } from "zod";
import { FUNCTION_NAME_PATTERN } from "./function.ts";

export const InvocationType = { RequestResponse: "RequestResponse", Event: "Event" } as const;
export type InvocationType = (typeof InvocationType)[keyof typeof InvocationType];

export const LogType = { None: "None", Tail: "Tail" } as const;
export type LogType = (typeof LogType)[keyof typeof LogType];

/** Lambda's limits, in bytes. */
export const Limits = {
  syncPayloadBytes: 6 * 1024 * 1024,
  asyncPayloadBytes: 1024 * 1024,
  /**
   * Lambda's response limit is 100 bytes over 6 MiB: its ResponseSizeTooLarge error reads "Response
   * payload size exceeded maximum allowed payload size (6291556 bytes)." (seen in function logs).
   */
  resultBytes: 6_291_556,
  logTailBytes: 4096,
} as const;

/**
 * Who started an invocation. Every caller uses the same request; the source says which one it was
 * (logs, traces, and later the console). contract: values are added, never renamed
 */
export const InvokeSource = {
  Api: "api", Retry: "retry", Destination: "destination", Schedule: "schedule", Redrive: "redrive",
  Trigger: "trigger", Url: "url", Console: "console",
} as const;
export type InvokeSource = (typeof InvokeSource)[keyof typeof InvokeSource];

/**
 * The one invocation request every caller sends (the API, retries, destinations, schedules, and
 * later triggers and function URLs): a function *name* and qualifier, never a resolved spec — the
 * service that takes the request resolves the name from its FUNCTIONS_BUCKET view. Sync requests
 * go to `fnmesh.invoke.<fn>` (executors), Event requests onto JetStream `fnmesh.async.<fn>` (the
 * scheduler's queue), both as this envelope with the event bytes framed after it (see codec), so
 * a 6 MB JSON event is never escaped into a string.
 */
export const InvokeRequest = z.object({
  v: z.literal(2),
  /** Unique per invocation; the JetStream message id of async invocations (with the attempt, for retries). */
  requestId: z.string().uuid(),
  invocationType: z.enum([InvocationType.RequestResponse, InvocationType.Event]),
  logType: z.enum([LogType.None, LogType.Tail]),
  /** The function's name (never an ARN: callers parse ARNs at their boundary). */
  function: z.string().regex(FUNCTION_NAME_PATTERN),
  /** Only `$LATEST` exists until versions land. */
  qualifier: z.literal("$LATEST").default("$LATEST"),
  /**
   * The caller named the qualifier (`f:$LATEST`, `?Qualifier=`): the function sees it in
   * `context.invokedFunctionArn`, as on Lambda; absent, the ARN is unqualified.
   */
  qualified: z.literal(true).optional(),
  /**
   * The FUNCTIONS_BUCKET revision of the view the caller saw (e.g. ingest right after a create):
   * a resolver holding an older one reads the bucket before answering, so a caller never meets a
   * function older than it has already seen.
   */
  viewRevision: z.number().int().nonnegative().optional(),
  source: z.object({
    kind: z.enum(Object.values(InvokeSource) as [InvokeSource, ...InvokeSource[]]),
    /** The ARN of what started it when there is one: a schedule, the function a destination record came from. */
    arn: z.string().max(2048).optional(),
  }),
  /** Base64 client context, as in Lambda's X-Amz-Client-Context. */
  clientContext: z.string().optional(),
  /** 1 for the first run; the scheduler's retries count up (Lambda's approximateInvokeCount). */
  attempt: z.number().int().min(1).default(1),
  /** Epoch ms when the invocation was first accepted; event age counts from here across retries. */
  acceptedAt: z.number().int(),
  /** Async only: epoch ms before which the scheduler does not run it (retry backoff). */
  notBefore: z.number().int().optional(),
});
export type InvokeRequest = z.infer<typeof InvokeRequest>;
export type InvokeRequestInput = z.input<typeof InvokeRequest>;

/** A handler's own failure, as Lambda reports it. Not an fnmesh failure. */
export const FunctionError = z.object({
  errorType: z.string(),
  errorMessage: z.string(),
  trace: z.array(z.string()).optional(),
});
export type FunctionError = z.infer<typeof FunctionError>;

const WireErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
  component: z.string(),
  reason: z.string().optional(),
});

const Report = {
  requestId: z.string(),
  executedVersion: z.string(),
  durationMs: z.number(),
  billedDurationMs: z.number().int(),
  memorySizeMb: z.number().int(),
  maxMemoryUsedMb: z.number().int(),
  /** Present only when this invocation paid for a cold start. */
  initDurationMs: z.number().optional(),
  cold: z.boolean(),
  /** CPU time of the isolate (init included on a cold start); absent when it could not be read. */
  cpuTimeMs: z.number().nonnegative().optional(),
  /** Host main-thread time charged for the function's URL, crypto and structuredClone calls. */
  hostTimeMs: z.number().nonnegative().optional(),
  /** Base64 of the last 4 KB of the invocation log, when logType was Tail. */
  logTail: z.string().optional(),
  executorId: z.string(),
};

/**
 * Outcome of one invocation. For `ok` the body after the envelope is the handler's JSON result;
 * for `function_error` it is Lambda's `{errorType, errorMessage, trace}` JSON.
 */
export const InvokeResult = z.discriminatedUnion("status", [
  z.object({ v: z.literal(1), status: z.literal("ok"), ...Report }),
  z.object({ v: z.literal(1), status: z.literal("function_error"), ...Report, functionError: FunctionError }),
  z.object({ v: z.literal(1), status: z.literal("error"), requestId: z.string(), error: WireErrorSchema }),
]);
export type InvokeResult = z.infer<typeof InvokeResult>;
