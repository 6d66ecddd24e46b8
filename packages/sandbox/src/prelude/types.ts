/**
 * Types of the code that runs INSIDE an isolate (the prelude). Prelude modules are plain functions
 * serialised with `Function.prototype.toString()` and evaluated in each new context, so they may use
 * only their parameters and the isolate's own globals — never an import or a module-level binding.
 */

/** Log levels as the isolate sends them: index into `LOG_LEVELS`; `LOG_OVERFLOW` says lines were dropped. */
export const LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR"] as const;
export const LOG_OVERFLOW = -1;
export const LogLevelCode = { Trace: 0, Debug: 1, Info: 2, Warn: 3, Error: 4 } as const;
export type LogLevelCode = (typeof LogLevelCode)[keyof typeof LogLevelCode];

/**
 * Host functions the isolate may call. All are fire-and-forget, so a call never blocks the isolate
 * on the host's event loop. `seq` names the invocation; the host drops calls for any other one.
 */
export interface Bridge {
  /** `time`: epoch ms when the line was written. */
  log(seq: number, level: number, message: string, time: number): void;
  /** `delayMs` 0 means "as setImmediate". Re-arming an id replaces its host timer. */
  setTimer(seq: number, id: number, delayMs: number): void;
  clearTimer(seq: number, id: number): void;
}

/** Per-isolate configuration, copied in once when the context is set up. */
export interface PreludeConfig {
  env: Record<string, string>;
  nodeVersion: string;
  maxTimers: number;
  /** Characters of log messages sent per invocation; a lower bound of their UTF-8 bytes. */
  maxLogChars: number;
  supportsCallback: boolean;
  functionName: string;
  functionVersion: string;
  invokedFunctionArn: string;
  memoryLimitInMB: string;
  logGroupName: string;
  logStreamName: string;
  exportPath: string[];
  handlerName: string;
  /** Results longer than this many characters are certainly too large (UTF-8 bytes >= UTF-16 units). */
  maxResultChars: number;
}

/** Lambda's error document. */
export interface ErrorBody {
  errorType: string;
  errorMessage: string;
  trace: string[];
}

export type LoadResult = { ok: true; logsSent: number } | { ok: false; error: ErrorBody; logsSent: number };

export type InvokeResult =
  | { ok: true; result: string; logsSent: number }
  | {
      ok: false;
      error: ErrorBody;
      /** The isolate must not be reused (uncaught exception outside the handler's promise). */
      fatal: boolean;
      /** Set when the result was too large; its length in characters. */
      resultChars?: number;
      logsSent: number;
    };

/** What the host calls. Every function resolves with data and never rejects on user errors. */
export interface IsolateApi {
  /**
   * Finishes a cold start: `entry` is either an async function returning `userModule`'s module
   * namespace-like object (script form) or a module namespace (module form).
   */
  load(seq: number, deadline: number, entry: unknown): Promise<LoadResult>;
  invoke(seq: number, deadline: number, requestId: string, event: string, clientContext: string | undefined): Promise<InvokeResult>;
  fire(seq: number, id: number): void;
  /** Module form with top-level await: called by the entry module once the bundle has evaluated. */
  ready(namespace: unknown): void;
}

/** The prelude's shared, private state: closure-scoped, never reachable from user code. */
export interface Rt {
  readonly bridge: Bridge;
  readonly config: PreludeConfig;
  /** The invocation in progress; 0 between invocations. */
  seq: number;
  /** Epoch ms when the current invocation times out. */
  deadline: number;
  logsSent: number;
  logChars: number;
  logOverflowed: boolean;
  /** Set by the format module. */
  format: (args: readonly unknown[]) => string;
  inspect: (value: unknown) => string;
  /** Sends one log line of the current invocation, honouring the size cap. */
  log(level: LogLevelCode, message: string): void;
  /** Ends the current invocation with `error`, as an uncaught exception ends a Lambda runtime. */
  uncaught(error: unknown): void;
  /** Resolves when `uncaught` is called during the current invocation. */
  crashed: Promise<ErrorBody>;
  toErrorBody(error: unknown): ErrorBody;
  begin(seq: number, deadline: number): void;
  end(): void;
  /** Cleanup run by `end()`, registered by modules (timers). */
  onEnd: Array<() => void>;
  /** Set by the timers module. */
  fire: (seq: number, id: number) => void;
  /** Filled by the lambda module. */
  api: IsolateApi;
}

/** One unit of globals installed into every new context, e.g. console or timers. */
export interface PreludeModule {
  name: string;
  /** Self-contained: serialised with `toString()` and run as `(install)(globalThis, rt)` in the isolate. */
  install: (g: Record<string, unknown>, rt: Rt) => void;
}
