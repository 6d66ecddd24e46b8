import type { Runtime } from "@fnmesh/protocol";
import type { EgressFetcher } from "./egress/types.ts";

/** One function as the sandbox sees it: identity, configuration and a way to fetch its code. */
export interface SandboxFunction {
  /** Warm-pool key; changes whenever code OR configuration changes (e.g. name + revisionId). */
  key: string;
  name: string;
  version: string;
  arn: string;
  runtime: Runtime;
  /** Isolate heap limit, also reported as the function's "Memory Size". */
  memoryMb: number;
  /** Wall-clock limit per invocation. */
  timeoutMs: number;
  env: Record<string, string>;
  /** sha256 of the bundle: key of the compiled-code cache. */
  codeId: string;
  /** Path to the handler inside the bundle's `userModule` export, e.g. `["handler"]`. */
  exportPath: string[];
  /** The Handler setting as written, for error messages (`index.handler is undefined or not exported`). */
  handlerName: string;
  /** The bundle: one ES module exporting `userModule`. Called only on a cold start. */
  loadCode(): Promise<string>;
}

export interface InvocationInput {
  requestId: string;
  fn: SandboxFunction;
  /** JSON text of the event, already validated as JSON. */
  event: string;
  /** JSON text of the client context, if any. */
  clientContext?: string;
  /** `context.invokedFunctionArn` when the invoke named a qualifier (`…:function:f:$LATEST`); default `fn.arn`. */
  invokedFunctionArn?: string;
  /** Called for each log line as it happens. */
  onLog?: (line: LogLine) => void;
}

export type LogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR";

export interface LogLine {
  /** Epoch ms. */
  time: number;
  level: LogLevel;
  message: string;
}

export interface InvocationMetrics {
  /** Handler time only (not init), in ms. */
  durationMs: number;
  /** Present only on cold starts: isolate + context + globals + compile + evaluate. */
  initDurationMs?: number;
  cold: boolean;
  maxMemoryUsedMb: number;
  /**
   * CPU time the isolate used for this invocation (isolated-vm's `cpuTime`), init included on a
   * cold start; absent if it could not be read.
   */
  cpuTimeMs?: number;
  /**
   * Host main-thread time charged to the invocation for its synchronous URL, crypto and
   * structuredClone calls (measured, plus a per-call dispatch cost); not part of `cpuTimeMs`.
   */
  hostTimeMs: number;
  logs: LogLine[];
  logsTruncated: boolean;
}

/** Lambda's error document for a function's own failure. */
export interface FunctionErrorBody {
  errorType: string;
  errorMessage: string;
  trace: string[];
  /**
   * What Lambda's runtime logs after `Invoke Error` for this error, as JSON (own enumerable
   * properties, `stack` as lines); absent for errors the host builds (limits, load failures).
   */
  logged?: string;
  /**
   * How Lambda's runtime labels that log line when it is not `Invoke Error`: an exception thrown
   * outside the handler's promise (a timer callback) or a rejection nobody handled.
   */
  logLabel?: ErrorLogLabel;
}

/** contract: Lambda's Node runtime's words; never rename. */
export const ErrorLogLabel = {
  InvokeError: "Invoke Error",
  UncaughtException: "Uncaught Exception",
  UnhandledRejection: "Unhandled Promise Rejection",
} as const;
export type ErrorLogLabel = (typeof ErrorLogLabel)[keyof typeof ErrorLogLabel];

/** Which limit ended the invocation, when one did. */
export type LimitHit = "timeout" | "memory" | "result_size";

export type InvocationOutcome =
  | ({ status: "ok"; result: string } & InvocationMetrics)
  | ({ status: "function_error"; error: FunctionErrorBody; limit?: LimitHit } & InvocationMetrics);

/** Runs invocations. A user function's failure is an outcome; only platform failures throw (FnmeshError). */
export interface SandboxRuntime {
  invoke(input: InvocationInput): Promise<InvocationOutcome>;
  /**
   * Readies a function ahead of its first invocation without running any of its code: compiles
   * the bundle into the code cache cold starts use, and makes an isolate for it (prelude and
   * settings in place) that its first invocation takes, still a cold start that runs init. Best
   * effort: never rejects, and a failure is left for the invocation to report.
   */
  prepare(fn: SandboxFunction): Promise<void>;
  stats(): RuntimeStats;
  /** Disposes every isolate; in-flight invocations reject with an `unavailable` FnmeshError. */
  close(): Promise<void>;
}

export interface RuntimeStats {
  isolates: number;
  busy: number;
  idle: number;
  /** Distinct warm-pool keys with at least one isolate. */
  functions: number;
  /** Last measured memory of all isolates (V8 heap pages resident + external), in bytes. */
  heapBytes: number;
  /** Cold starts waiting for busy isolates to free memory (the budget covers busy and idle isolates). */
  waiting: number;
  coldStarts: number;
  warmStarts: number;
  /** Code ids with compiled code (or a known module form) in the code cache. */
  compiledCodes: number;
  /** Bundles compiled from source, without cached data; a burst of cold starts of new code adds one. */
  codeCompiles: number;
  /** Blank isolates made ahead for the next cold starts (one per memory size recently used). */
  spareIsolates: number;
}


export interface IsolateRuntimeOptions {
  /**
   * Memory of all isolates, busy and idle (each charged its last measured heap: V8's resident pages
   * plus external memory): idle ones are disposed least recently used first to stay within it, and a
   * cold start waits while busy ones fill it. This, not a count, bounds how many invocations run at
   * once. Default 2048: ~1,250 small warm functions (~1.64 MiB each), ~900 much-used ones (docs/density.md).
   */
  memoryBudgetMb?: number;
  /** Idle isolates older than this are disposed. Default 300 000 (5 min). */
  idleTtlMs?: number;
  /** Log bytes kept per invocation; past it lines are dropped and one marker line added. Default 256 KiB. */
  maxLogBytes?: number;
  /** Pending timers per invocation; one more throws RangeError in the isolate. Default 1000. */
  maxTimers?: number;
  /** Limit on a cold start's init phase (compile + module evaluation), as Lambda's 10 s. Default 10 000. */
  initTimeoutMs?: number;
  /**
   * Called when V8 reports it lost control of an isolate (isolated-vm `onCatastrophicError`). The
   * isolate is discarded; isolated-vm advises ending the process soon after. Default: ignored.
   */
  onCatastrophicError?: (message: string) => void;
  /** Outbound `fetch` from functions. Absent: fetch rejects with TypeError (no network access). */
  egress?: EgressOptions;
  /**
   * Host main-thread time one invocation's URL, crypto and structuredClone calls may use: `burstMs`
   * up front, refilled at `share` of elapsed wall time; past it those calls throw RangeError in the
   * isolate. Default { burstMs: 250, share: 0.25 }. `now` is the meter's clock (monotonic ms, used
   * both to time each call and to refill the allowance); default `performance.now`. Tests inject
   * one to make the allowance independent of the machine's speed.
   */
  hostWork?: { burstMs?: number; share?: number; now?: () => number };
}

/**
 * How functions' `fetch` reaches the network: `fetcher` enforces the egress policy (the executor
 * passes `createEgressFetcher(policy)`). Each call also gets the function's `FNMESH_EGRESS_ALLOW`
 * as `narrowTo`, and at most the invocation's remaining time.
 */
export interface EgressOptions {
  fetcher: EgressFetcher;
  /** Limit per fetch (capped by the invocation's remaining time). Default 30 000. */
  timeoutMs?: number;
  /** Largest response body; larger fails with `egress_response_too_large`. Default 6 MiB. */
  maxResponseBytes?: number;
  /** Fetches in flight per invocation; one more rejects with TypeError. Default 32. */
  maxPending?: number;
}
