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
 * Host functions the isolate may call. Most are fire-and-forget, so the isolate never waits on the
 * host's event loop; `url`, `crypto` and `clone` are synchronous (one thread hop each, see README).
 * `seq` names the invocation; the host drops calls for any other one. The host validates every
 * argument: user code cannot reach these functions, but the host never relies on that.
 */
export interface Bridge {
  /** `time`: epoch ms when the line was written. */
  log(seq: number, level: number, message: string, time: number): void;
  /** `delayMs` 0 means "as setImmediate". Re-arming an id replaces its host timer. */
  setTimer(seq: number, id: number, delayMs: number): void;
  clearTimer(seq: number, id: number): void;
  /** Sync: the host's WHATWG URL parser (see `UrlOp`). */
  url(op: UrlOp, a: unknown, b?: unknown, c?: unknown): unknown;
  /** Sync: node:crypto (see `CryptoOp`). */
  crypto(op: CryptoOp, a: unknown, b?: unknown, c?: unknown, d?: unknown): unknown;
  /** Sync: node:crypto objects held by the host for the `crypto` built-in (see `NodeCryptoOp`). */
  nodeCrypto(op: NodeCryptoOp, a: unknown, b?: unknown, c?: unknown, d?: unknown): unknown;
  /** Sync: node:zlib's brotli for the `zlib` built-in (isolated-vm/node-zlib-host.ts). */
  nodeZlib(op: "brotliCompress" | "brotliDecompress", a: unknown, b?: unknown): unknown;
  /** Sync: the isolate's heap, [used, total, external] bytes, for `process.memoryUsage()`. */
  heap(): unknown;
  /** Sync: returns its argument; isolated-vm's copy both ways is the structured clone. */
  clone(value: unknown): unknown;
  /** Starts fetch `id`; the host answers with `IsolateApi.fetchDone`. */
  fetch(seq: number, id: number, request: FetchWireRequest): void;
  abortFetch(seq: number, id: number): void;
}

/** Order of the bridge functions as the prelude factory takes them, after `config`. */
export const BRIDGE_FUNCTIONS = ["log", "setTimer", "clearTimer", "url", "crypto", "nodeCrypto", "nodeZlib", "heap", "clone", "fetch", "abortFetch"] as const satisfies readonly (keyof Bridge)[];

/**
 * `parse(input, base?)` → components; `set(href, name, value)` → components (a setter applied to
 * `new URL(href)`). Components: `URL_COMPONENTS`, in that order; null when parsing fails.
 */
export type UrlOp = "parse" | "set";
export const URL_COMPONENTS = ["href", "origin", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"] as const;

/**
 * `random(n)` → Uint8Array; `digest(hash, data)` → Uint8Array; `hmacSign(hash, key, data)` →
 * Uint8Array; `hmacVerify(hash, key, signature, data)` → boolean. `hash`: "SHA-1" | "SHA-256" |
 * "SHA-384" | "SHA-512".
 */
export type CryptoOp = "random" | "digest" | "hmacSign" | "hmacVerify";

/**
 * The `crypto` built-in's host calls (isolated-vm/node-crypto-host.ts); objects are held by the
 * host and named by number. `hash(alg, outputLength?)`, `hmac(alg, key)`, `cipher`/`decipher(alg,
 * key, iv, authTagLength?)` → id; `update(id, bytes)` → true (hash) or output bytes (cipher);
 * `copy(id)` → id; `digest(id)` → bytes; `setAAD(id, bytes, plaintextLength?)`, `setAuthTag(id,
 * bytes)`, `setAutoPadding(id, on)` → true; `final(id)` → [bytes, auth tag or null];
 * `pbkdf2(password, salt, [iterations, keylen], digest)`, `scrypt(password, salt, keylen,
 * options)` → bytes; `list()` → [hash names, cipher names]. Any may answer `{ error: { name,
 * message, code? } }` (node:crypto's own error) or null (a malformed call, or an id the host no
 * longer holds).
 */
export type NodeCryptoOp = "hash" | "hmac" | "cipher" | "decipher" | "update" | "copy" | "digest" | "setAAD" | "setAuthTag" | "setAutoPadding" | "final" | "pbkdf2" | "scrypt" | "list";

/** What the isolate's fetch sends: an EgressRequest (egress/types.ts). */
export interface FetchWireRequest {
  url: string;
  method: string;
  headers: [string, string][];
  body?: Uint8Array;
  redirect: "follow" | "manual" | "error";
}

/** The host's answer to one fetch. */
export type FetchWireResult =
  | {
      ok: true;
      response: { url: string; status: number; statusText: string; headers: [string, string][]; body: Uint8Array; redirected: boolean };
    }
  | { ok: false; code: string; message: string };

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
  /** Outbound fetch; null when the runtime has no egress configured. */
  fetch: { maxPending: number } | null;
}

/** Lambda's error document. */
export interface ErrorBody {
  errorType: string;
  errorMessage: string;
  trace: string[];
  /** The JSON document Lambda's runtime logs after `Invoke Error`; at most `maxLogChars` long. */
  logged?: string;
  /** Thrown outside the handler's promise (a timer callback, a microtask): Lambda's "Uncaught Exception". */
  uncaught?: true;
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
  /** `invokedFunctionArn`: the qualified ARN when the invoke named a qualifier, else undefined (the config's). */
  invoke(seq: number, deadline: number, requestId: string, event: string, clientContext: string | undefined, invokedFunctionArn?: string): Promise<InvokeResult>;
  fire(seq: number, id: number): void;
  /** Settles fetch `id` of invocation `seq`. */
  fetchDone(seq: number, id: number, result: FetchWireResult): void;
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
  /** Set by the fetch module. */
  fetchDone: (seq: number, id: number, result: FetchWireResult) => void;
  /** Internals shared by the web-global modules, filled as they are installed. */
  web: WebInternals;
  /**
   * Registers a lazy module: its `globals` are accessors that install it (its `needs` first) on
   * first use, as Node defines most of its web globals.
   */
  register(name: string, needs: readonly string[], globals: readonly string[], install: PreludeModule["install"]): void;
  /** Installs registered module `name` (and what it needs) unless it already is. */
  need(name: string): void;
  /** Filled by the lambda module. */
  api: IsolateApi;
}

/**
 * What one web-global module hands to the later ones (never to user code). Structural types only:
 * the classes themselves are defined inside the serialised modules.
 */
export interface WebInternals {
  /**
   * Defines `globalThis[name]` as Node defines its globals (writable, configurable, not
   * enumerable), unless user code already replaced that lazy global.
   */
  defineGlobal(name: string, value: unknown): void;
  /** The timers module's setTimeout, whatever user code does to the global. */
  setTimeout(callback: () => void, delayMs: number): unknown;
  DOMException: new (message?: string, name?: string) => Error;
  atob(data: string): string;
  btoa(data: string): string;
  encodeUtf8(input: string): Uint8Array;
  /**
   * UTF-8 decode with replacement characters; a leading BOM is dropped ("UTF-8 decode") unless
   * `stripBom` is false ("UTF-8 decode without BOM").
   */
  decodeUtf8(bytes: Uint8Array, stripBom?: boolean): string;
  /** A copy of an ArrayBuffer's or ArrayBufferView's bytes; null for anything else. */
  copyBytes(value: unknown): Uint8Array | null;
  Event: new (type: string) => object;
  EventTarget: new () => object;
  newAbortSignal(): WebAbortSignal;
  isAbortSignal(value: unknown): value is WebAbortSignal;
  signalAbort(signal: WebAbortSignal, reason: unknown): void;
  /** Runs `algorithm` once when `signal` aborts (at once if it has); returns its remover. */
  onAbort(signal: WebAbortSignal, algorithm: () => void): () => void;
  URL: new (url: string, base?: string) => { readonly href: string; readonly username: string; readonly password: string };
  isURLSearchParams(value: unknown): boolean;
  Headers: new (init?: unknown) => object;
  /** The header list, in insertion order, as [lower-case name, value]. */
  headerList(headers: object): [string, string][];
  /** "immutable" makes every mutation throw TypeError. */
  setHeadersGuard(headers: object, guard: "none" | "immutable"): void;
  /** Base class of Request and Response: the Body mixin. */
  Body: abstract new () => WebBody;
  /** `init`'s body extracted: bytes (a private copy) and the Content-Type it implies. */
  extractBody(init: unknown): { bytes: Uint8Array; type: string | null } | null;
  /** Sets a Request's or Response's body (taking ownership of `bytes`) and marks it unused. */
  setBodyBytes(target: object, bytes: Uint8Array | null): void;
  /** The body's bytes, without consuming them. */
  bodyBytes(target: object): Uint8Array | null;
  Request: new (input: unknown, init?: unknown) => object;
  /** What fetch needs of a Request; throws TypeError if its body was used. */
  requestForFetch(request: object): { wire: FetchWireRequest; signal: WebAbortSignal };
  Response: new (body?: unknown, init?: unknown) => object;
  responseFromWire(wire: Extract<FetchWireResult, { ok: true }>["response"]): object;
}

export interface WebAbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
}

/** The Body mixin's internal side (body.ts): subclasses set and read the body through these. */
export interface WebBody {
  readonly body: Uint8Array | null;
  readonly bodyUsed: boolean;
}

/** One unit of globals installed into every new context, e.g. console or timers. */
export interface PreludeModule {
  name: string;
  /** Self-contained: serialised with `toString()` and run as `(install)(globalThis, rt)` in the isolate. */
  install: (g: Record<string, unknown>, rt: Rt) => void;
  /**
   * Present: a lazy module, installed when one of these globals is first touched (or when another
   * module needs it). Absent: installed in every new context, in order.
   */
  globals?: readonly string[];
  /** Lazy modules whose `rt.web` entries this one uses; installed before it. */
  needs?: readonly string[];
}
