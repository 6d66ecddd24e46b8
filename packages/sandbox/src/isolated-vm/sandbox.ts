/**
 * One execution environment: an isolated-vm isolate with one context, belonging to one function
 * key, running one invocation at a time.
 *
 * Every entry into the isolate that can run user code uses isolated-vm's async API, so user code
 * runs on isolated-vm's threads and the host's timers stay free to end it: at the deadline the
 * host disposes the isolate, which stops `while (true) {}` and endless microtask chains alike.
 * Each entry also carries isolated-vm's `timeout` as a backstop (it covers the synchronous part and
 * microtasks of one entry, not the wait for a promise).
 */
import { setImmediate as nextTurn } from "node:timers/promises";
import ivm from "isolated-vm";
import { Component, ErrorCode, FnmeshError, Limits, runtimeSupportsCallback } from "@fnmesh/protocol";
import { handlerFile, lambdaEnvironment, logGroupName, newLogStreamName } from "../lambda-environment.ts";
import type { LogCollector } from "../log-collector.ts";
import { resultTooLargeError, toMemoryMb } from "../outcome.ts";
import { PRELUDE_FILENAME, preludeSource } from "../prelude/index.ts";
import { BRIDGE_FUNCTIONS, LOG_LEVELS, LOG_OVERFLOW } from "../prelude/types.ts";
import type { Bridge, FetchWireResult, InvokeResult, PreludeConfig } from "../prelude/types.ts";
import type { InvocationInput, LimitHit, SandboxFunction } from "../types.ts";
import type { Pooled } from "../warm-pool.ts";
import { clearCallTimer, clearCallTimers, createCall, setHostTimer } from "./call.ts";
import type { Call } from "./call.ts";
import type { CodeCache } from "./code-cache.ts";
import { cryptoHostCall } from "./crypto-host.ts";
import { NodeCryptoHost } from "./node-crypto-host.ts";
import { zlibHostCall } from "./node-zlib-host.ts";
import type { HostWorkConfig } from "./host-work.ts";
import { malformedResultError, readErrorBody } from "./error-body.ts";
import { traceMapperFor, type TraceMapper } from "./source-map.ts";
import { abortCallFetches, abortFetch, narrowToOf, startFetch } from "./fetch-host.ts";
import type { EgressConfig } from "./fetch-host.ts";
import { failureToError, messageOf, TIMED_OUT } from "./failure.ts";
import type { Failed, Failure } from "./failure.ts";
import { compileBundleScript, loadModule, loadScript } from "./load-bundle.ts";
import type { BundleTarget, CompiledScript } from "./load-bundle.ts";
import { makeSpareIsolate, type SpareIsolate } from "./spare-isolates.ts";
import { urlHostCall } from "./url-host.ts";

export interface SandboxSettings {
  maxLogBytes: number;
  maxTimers: number;
  initTimeoutMs: number;
  codeCache: CodeCache;
  onCatastrophicError: (message: string) => void;
  /** Outbound fetch; undefined: fetch rejects in the isolate. */
  egress: EgressConfig | undefined;
  hostWork: HostWorkConfig;
}

export type CallResult = { ok: true; result: string } | Failed;
type InitResult = { ok: true } | Failed;

export interface RunResult {
  result: CallResult;
  /** Cold starts only: from isolate creation to the handler found. */
  initDurationMs?: number;
  durationMs: number;
  maxMemoryUsedMb: number;
  /** CPU time the isolate used during the invocation (init included on a cold start). */
  cpuTimeMs?: number;
  /** Host main-thread time its URL, crypto and structuredClone calls cost (host-work.ts). */
  hostTimeMs: number;
  /** False when the isolate must not serve again. */
  reusable: boolean;
}

type PhaseResult<T> = { done: T } | { failure: Failure };

/** The prelude's IsolateApi, as references the host calls. */
interface IsolateApiRefs {
  load: ivm.Reference;
  invoke: ivm.Reference;
  fire: ivm.Reference;
  fetchDone: ivm.Reference;
  ready: ivm.Reference;
}

/** `text` in V8's one-byte representation when every character fits; unchanged otherwise. */
const oneByteIfLatin1 = (text: string): string => (/^[\u0000-\u00ff]*$/.test(text) ? Buffer.from(text, "latin1").toString("latin1") : text);

/** The prelude compiles once per process; its code cache serves every later isolate. */
let preludeCode: { source: string; data?: ivm.ExternalCopy<ArrayBuffer> } | undefined;

export class IsolateSandbox implements Pooled {
  readonly key: string;
  readonly name: string;
  heapBytes = 0;
  readonly #fn: SandboxFunction;
  readonly #settings: SandboxSettings;
  readonly #isolate: ivm.Isolate;
  readonly #context: ivm.Context;
  readonly #logStreamName: string;
  readonly #narrowTo: readonly string[] | undefined;
  readonly #nodeCrypto = new NodeCryptoHost();
  /** isolate.cpuTime just before disposal, which makes it unreadable. */
  #finalCpuTime: bigint | undefined;
  #api: IsolateApiRefs | undefined;
  #call: Call | null = null;
  #seq = 0;
  #disposed = false;
  #disposedByHost = false;
  #catastrophe: string | null = null;
  /** Maps bundle frames in error traces to the user's files (set at the cold start). */
  #traces: TraceMapper | null = null;

  private constructor(fn: SandboxFunction, settings: SandboxSettings, isolate: ivm.Isolate, context: ivm.Context) {
    this.key = fn.key;
    this.name = fn.name;
    this.#fn = fn;
    this.#settings = settings;
    this.#isolate = isolate;
    this.#context = context;
    this.#logStreamName = newLogStreamName(fn.version);
    this.#narrowTo = narrowToOf(fn.env);
  }

  /**
   * Creates the isolate, its context and globals — or takes `spare` (a blank isolate of the
   * function's memory size made ahead) and only installs the globals. Runs no user code, so it uses
   * isolated-vm's synchronous API (microseconds per call instead of a thread hop). Throws FnmeshError.
   */
  static create(fn: SandboxFunction, settings: SandboxSettings, spare?: SpareIsolate): IsolateSandbox {
    let self: IsolateSandbox | undefined;
    let blank: SpareIsolate;
    if (spare !== undefined && spare.memoryMb === fn.memoryMb && !spare.isolate.isDisposed) {
      blank = spare;
    } else {
      spare?.isolate.dispose();
      try {
        blank = makeSpareIsolate(fn.memoryMb);
      } catch (err) {
        throw new FnmeshError(ErrorCode.Internal, Component.Sandbox, `cannot create an isolate for ${fn.name}: ${messageOf(err)}`, { cause: err });
      }
    }
    const { isolate, context } = blank;
    blank.onCatastrophe.handler = (message) => {
      if (self !== undefined) self.#onCatastrophe(message);
    };
    try {
      self = new IsolateSandbox(fn, settings, isolate, context);
      self.#installPrelude();
      return self;
    } catch (err) {
      isolate.dispose();
      throw new FnmeshError(ErrorCode.Internal, Component.Sandbox, `cannot set up an isolate for ${fn.name}: ${messageOf(err)}`, { cause: err });
    }
  }

  get usable(): boolean {
    return !this.#disposed && !this.#isolate.isDisposed && this.#catastrophe === null;
  }

  /** Runs one invocation; with `cold`, first the cold start's init (compile, evaluate, find handler). */
  async run(input: InvocationInput, logs: LogCollector, cold?: { code: string; startedAt: number }): Promise<RunResult> {
    const call = createCall(++this.#seq, logs, this.#settings.hostWork);
    this.#call = call;
    const cpuStart = this.#cpuTime();
    let initDurationMs: number | undefined;
    let durationMs = 0;
    let outcome: { result: CallResult; reusable: boolean };
    try {
      const init: InitResult = cold === undefined ? { ok: true } : await this.#init(call, cold.code);
      if (cold !== undefined) initDurationMs = performance.now() - cold.startedAt;
      if (init.ok) {
        const started = performance.now();
        outcome = await this.#invoke(call, input);
        durationMs = performance.now() - started;
      } else {
        outcome = { result: init, reusable: false };
      }
    } finally {
      await this.#endCall(call);
    }
    const reusable = outcome.reusable && call.failure === null && this.usable;
    if (reusable) this.#measureHeap();
    const maxMemoryUsedMb = call.failure?.kind === "memory" ? this.#fn.memoryMb : toMemoryMb(this.heapBytes);
    const cpuEnd = this.#cpuTime();
    const cpuTimeMs = cpuStart === undefined || cpuEnd === undefined ? undefined : Number(cpuEnd - cpuStart) / 1e6;
    const result = !outcome.result.ok && this.#traces !== null ? { ...outcome.result, error: this.#traces.mapBody(outcome.result.error) } : outcome.result;
    return { result, initDurationMs, durationMs, maxMemoryUsedMb, cpuTimeMs, hostTimeMs: call.hostWork.usedMs, reusable };
  }

  /** The isolate's CPU time so far (ns); after disposal, the last reading before it. */
  #cpuTime(): bigint | undefined {
    if (this.#isolate.isDisposed) return this.#finalCpuTime;
    try {
      return this.#isolate.cpuTime;
    } catch {
      return this.#finalCpuTime;
    }
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const call = this.#call;
    if (call !== null) this.#fail(call, { kind: "closed" });
    this.#disposeIsolate();
  }

  // ---- set-up ----

  #installPrelude(): void {
    // Re-encoded so V8 holds it one byte per character: built from Function.prototype.toString of
    // modules whose files hold wider characters, it came out as a two-byte string even though every
    // character is Latin-1 (prelude/index.test.ts), and each isolate keeps its own external copy of
    // the source: 250 KB instead of 125 KB per isolate, 125 MiB per thousand warm functions.
    preludeCode ??= { source: oneByteIfLatin1(preludeSource()) };
    const code = preludeCode;
    const script: CompiledScript = this.#isolate.compileScriptSync(code.source, {
      filename: PRELUDE_FILENAME,
      ...(code.data === undefined ? { produceCachedData: true } : { cachedData: code.data }),
    });
    if (script.cachedDataRejected === true) code.data = undefined;
    else if (code.data === undefined && script.cachedData !== undefined) code.data = script.cachedData;
    const factory = script.runSync(this.#context, { reference: true, release: true }) as ivm.Reference;
    const config = new ivm.ExternalCopy(this.#preludeConfig()).copyInto({ release: true });
    // The bridge. Logs, timers and fetch are fire-and-forget, so the isolate never waits on the
    // host's event loop for them; url, crypto and clone must answer at once, so they are sync (one
    // thread hop per call). Every handler validates its arguments.
    const bridge: Record<keyof Bridge, ivm.Callback> = {
      log: new ivm.Callback((seq: unknown, level: unknown, message: unknown, time: unknown) => this.#onLog(seq, level, message, time), { ignored: true }),
      setTimer: new ivm.Callback((seq: unknown, id: unknown, delayMs: unknown) => this.#onSetTimer(seq, id, delayMs), { ignored: true }),
      clearTimer: new ivm.Callback((seq: unknown, id: unknown) => this.#onClearTimer(seq, id), { ignored: true }),
      url: new ivm.Callback(this.#metered(urlHostCall), { sync: true }),
      crypto: new ivm.Callback(this.#metered(cryptoHostCall), { sync: true }),
      nodeCrypto: new ivm.Callback(this.#metered((op: unknown, a: unknown, b: unknown, c: unknown, d: unknown) => this.#nodeCrypto.call(op, a, b, c, d)), { sync: true }),
      nodeZlib: new ivm.Callback(this.#metered(zlibHostCall), { sync: true }),
      heap: new ivm.Callback(this.#metered(() => this.#heapNow()), { sync: true }),
      // V8's structured clone, twice: isolated-vm copies the argument out, and the ExternalCopy copies it
      // back in. The first copy is paid before this runs, so it is charged as the same again as the second.
      clone: new ivm.Callback(this.#metered((value: unknown) => new ivm.ExternalCopy(value).copyInto({ release: true }), 2), { sync: true }),
      fetch: new ivm.Callback((seq: unknown, id: unknown, request: unknown) => this.#onFetch(seq, id, request), { ignored: true }),
      abortFetch: new ivm.Callback((seq: unknown, id: unknown) => this.#onAbortFetch(seq, id), { ignored: true }),
    };
    const api = factory.applySync(undefined, [config, ...BRIDGE_FUNCTIONS.map((name) => bridge[name])], { result: { reference: true } }) as ivm.Reference;
    factory.release();
    this.#api = {
      load: api.getSync("load", { reference: true }),
      invoke: api.getSync("invoke", { reference: true }),
      fire: api.getSync("fire", { reference: true }),
      fetchDone: api.getSync("fetchDone", { reference: true }),
      ready: api.getSync("ready", { reference: true }),
    };
    api.release();
  }

  #preludeConfig(): PreludeConfig {
    const fn = this.#fn;
    return {
      env: lambdaEnvironment(fn, this.#logStreamName),
      nodeVersion: process.version,
      maxTimers: this.#settings.maxTimers,
      maxLogChars: this.#settings.maxLogBytes,
      supportsCallback: runtimeSupportsCallback(fn.runtime),
      functionName: fn.name,
      functionVersion: fn.version,
      invokedFunctionArn: fn.arn,
      memoryLimitInMB: String(fn.memoryMb),
      logGroupName: logGroupName(fn.name),
      logStreamName: this.#logStreamName,
      exportPath: fn.exportPath,
      handlerName: fn.handlerName,
      maxResultChars: Limits.resultBytes,
      fetch: this.#settings.egress === undefined ? null : { maxPending: this.#settings.egress.maxPending },
    };
  }

  /**
   * `work` charged to the current invocation's host-work meter (times `weight`); refused with a
   * RangeError in the isolate once the invocation has used its allowance (host-work.ts).
   */
  #metered<A extends unknown[]>(work: (...args: A) => unknown, weight = 1): (...args: A) => unknown {
    return (...args: A): unknown => {
      const meter = this.#call?.hostWork;
      if (meter === undefined) return work(...args);
      const started = meter.now();
      if (!meter.admit(started)) {
        const refusal = new RangeError(meter.refusal());
        refusal.stack = `RangeError: ${refusal.message}`; // the host's frames are not the isolate's business
        throw refusal;
      }
      try {
        return work(...args);
      } finally {
        const now = meter.now();
        meter.charge((now - started) * weight, now);
      }
    };
  }

  /** The isolate's heap right now, for `process.memoryUsage()`: [used, total, external] bytes. */
  #heapNow(): [number, number, number] {
    const stats = this.#isolate.getHeapStatisticsSync();
    return [stats.used_heap_size, stats.total_heap_size, stats.externally_allocated_size];
  }

  #apiRefs(): IsolateApiRefs {
    if (this.#api === undefined) throw new Error("prelude not installed");
    return this.#api;
  }

  // ---- phases ----

  async #init(call: Call, code: string): Promise<InitResult> {
    const limitMs = this.#settings.initTimeoutMs;
    const outcome = await this.#phase(call, limitMs, async (): Promise<InitResult> => {
      const filename = `file:///var/task/${handlerFile(this.#fn.handlerName)}.mjs`;
      this.#traces = traceMapperFor(code, filename, this.#fn.codeId);
      const script = await compileBundleScript(this.#isolate, code, this.#fn.codeId, this.#settings.codeCache, filename);
      const { load, ready } = this.#apiRefs();
      const target: BundleTarget = { isolate: this.#isolate, context: this.#context, load, ready, filename, seq: call.seq, deadline: call.deadline, limitMs };
      const loaded = script !== null ? await loadScript(target, script) : await loadModule(target, code);
      if (!("logsSent" in loaded)) return loaded;
      call.logsSent = typeof loaded.logsSent === "number" ? loaded.logsSent : 0;
      if (loaded.ok === true) return { ok: true };
      return { ok: false, error: readErrorBody(loaded.error, this.#settings.maxLogBytes) ?? malformedResultError() };
    });
    if ("failure" in outcome) return failureToError(outcome.failure, "init", this.#fn.memoryMb);
    return outcome.done;
  }

  async #invoke(call: Call, input: InvocationInput): Promise<{ result: CallResult; reusable: boolean }> {
    const limitMs = this.#fn.timeoutMs;
    const outcome = await this.#phase(
      call,
      limitMs,
      () =>
        this.#apiRefs().invoke.apply(undefined, [call.seq, call.deadline, input.requestId, input.event, input.clientContext, input.invokedFunctionArn], {
          // No isolated-vm `timeout`: #phase's timer already ends the call at limitMs by disposing the
          // isolate (which terminates a running script), and each isolated-vm timer cost a timer-thread
          // wake-up per invocation (~10 µs of CPU, measured).
          result: { promise: true, copy: true },
        }) as Promise<InvokeResult>,
    );
    if ("failure" in outcome) return { result: failureToError(outcome.failure, "invoke", this.#fn.memoryMb), reusable: false };
    const done = outcome.done;
    // The record comes from inside the isolate: never trust its shape.
    const malformed = { result: { ok: false, error: malformedResultError() }, reusable: false } as const;
    if (!isWellFormedInvokeResult(done)) return malformed;
    call.logsSent = done.logsSent;
    if (!done.ok) {
      const error = readErrorBody(done.error, this.#settings.maxLogBytes);
      if (error === null) return malformed;
      const limit: LimitHit | undefined = done.resultChars !== undefined ? "result_size" : undefined;
      return { result: limit === undefined ? { ok: false, error } : { ok: false, error, limit }, reusable: !done.fatal };
    }
    if (Buffer.byteLength(done.result, "utf8") > Limits.resultBytes) {
      return { result: { ok: false, error: resultTooLargeError(Limits.resultBytes), limit: "result_size" }, reusable: true };
    }
    return { result: { ok: true, result: done.result }, reusable: true };
  }

  /** Runs `work` under a wall-clock limit; the isolate is disposed when the limit passes. */
  async #phase<T>(call: Call, limitMs: number, work: () => Promise<T>): Promise<PhaseResult<T>> {
    call.limitMs = limitMs;
    call.deadline = Date.now() + limitMs;
    const timer = setTimeout(() => this.#fail(call, { kind: "timeout", limitMs }), limitMs);
    try {
      const settled = work().then(
        (done): PhaseResult<T> => ({ done }),
        (err: unknown): PhaseResult<T> => {
          const failure = this.#classify(call, err);
          this.#fail(call, failure);
          return { failure };
        },
      );
      return await Promise.race([settled, call.failed.then((failure): PhaseResult<T> => ({ failure }))]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Why an entry into the isolate rejected. */
  #classify(call: Call, err: unknown): Failure {
    if (call.failure !== null) return call.failure;
    if (this.#disposed) return { kind: "closed" };
    const message = messageOf(err);
    if (message.includes("memory limit")) return { kind: "memory" };
    if (message.includes(TIMED_OUT)) return { kind: "timeout", limitMs: call.limitMs };
    if (this.#catastrophe !== null) return { kind: "crashed", message: this.#catastrophe };
    // Nothing but the memory limit disposes an isolate behind the host's back.
    if (this.#isolate.isDisposed) return this.#disposedByHost ? { kind: "crashed", message } : { kind: "memory" };
    return { kind: "unhandled", reason: err };
  }

  /** Ends the call's current phase with `failure`; the isolate is discarded. */
  #fail(call: Call, failure: Failure): void {
    if (call.failure !== null) return;
    call.failure = failure;
    clearCallTimers(call);
    abortCallFetches(call);
    this.#disposeIsolate();
    call.resolveFailed(failure);
  }

  async #endCall(call: Call): Promise<void> {
    clearCallTimers(call);
    abortCallFetches(call);
    if (call.inflight.size > 0) await Promise.allSettled([...call.inflight]);
    // Log lines travel as separate fire-and-forget messages; let any still queued arrive.
    for (let turn = 0; turn < 50 && call.failure === null && call.logs.received < call.logsSent; turn++) await nextTurn();
    clearCallTimers(call);
    if (this.#call === call) this.#call = null;
  }

  #onCatastrophe(message: string): void {
    this.#catastrophe = message;
    try {
      this.#settings.onCatastrophicError(message);
    } catch {
      // The embedder's hook must not take the host down.
    }
    const call = this.#call;
    if (call !== null) setImmediate(() => this.#fail(call, { kind: "crashed", message }));
  }

  #disposeIsolate(): void {
    this.#disposedByHost = true;
    this.#nodeCrypto.clear();
    if (this.#isolate.isDisposed) return;
    this.#finalCpuTime = this.#cpuTime();
    try {
      this.#isolate.dispose();
    } catch {
      // Already going away.
    }
  }

  #measureHeap(): void {
    if (!this.usable) return;
    try {
      const heap = this.#isolate.getHeapStatisticsSync();
      // What the isolate holds resident: the heap pages V8 committed and touched, plus external
      // memory (its scripts' sources). total_heap_size also counts the young generation's reserve,
      // ~0.5 MiB an idle isolate never touches: 2.1 MiB against ~1.6 MiB of process RSS per small
      // warm isolate, where this is ~1.64 (docs/density.md).
      this.heapBytes = heap.total_physical_size + heap.externally_allocated_size;
    } catch {
      // A dying isolate keeps its last measurement.
    }
  }

  // ---- bridge: calls from the isolate ----

  #currentCall(seq: unknown): Call | null {
    const call = this.#call;
    return call !== null && call.seq === seq && call.failure === null ? call : null;
  }

  #onLog(seq: unknown, level: unknown, message: unknown, time: unknown): void {
    const call = this.#currentCall(seq);
    if (call === null) return;
    call.logs.received++;
    if (level === LOG_OVERFLOW) {
      call.logs.truncate();
      return;
    }
    const name = typeof level === "number" ? LOG_LEVELS[level] : undefined;
    if (name === undefined || typeof message !== "string") return;
    call.logs.add(name, message, typeof time === "number" ? time : Date.now());
  }

  #onSetTimer(seq: unknown, id: unknown, delayMs: unknown): void {
    const call = this.#currentCall(seq);
    if (call === null || typeof id !== "number" || typeof delayMs !== "number") return;
    setHostTimer(call, id, delayMs, this.#settings.maxTimers, () => this.#fire(call, id));
  }

  #onClearTimer(seq: unknown, id: unknown): void {
    const call = this.#currentCall(seq);
    if (call !== null && typeof id === "number") clearCallTimer(call, id);
  }

  #onFetch(seq: unknown, id: unknown, request: unknown): void {
    const call = this.#currentCall(seq);
    if (call === null || typeof id !== "number") return;
    startFetch(call, id, request, this.#settings.egress, this.#narrowTo, (result) => this.#enter(call, "fetchDone", [call.seq, id, result]));
  }

  #onAbortFetch(seq: unknown, id: unknown): void {
    const call = this.#currentCall(seq);
    if (call !== null && typeof id === "number") abortFetch(call, id);
  }

  /** A host timer is due: run its callback in the isolate. */
  #fire(call: Call, id: number): void {
    this.#enter(call, "fire", [call.seq, id]);
  }

  /**
   * Calls the prelude's `fire` or `fetchDone` for `call`, bounded by what is left of the phase;
   * a failure there (an unhandled rejection, the memory limit) ends the call.
   */
  #enter(call: Call, entry: "fire" | "fetchDone", args: [number, number] | [number, number, FetchWireResult]): void {
    if (this.#call !== call || call.failure !== null || !this.usable) return;
    const timeout = Math.max(1, Math.ceil(call.deadline - Date.now()));
    const running = this.#apiRefs()
      [entry].apply(undefined, args, { timeout, arguments: { copy: true } })
      .then(
        () => {},
        (err: unknown) => this.#fail(call, this.#classify(call, err)),
      );
    call.inflight.add(running);
    void running.finally(() => call.inflight.delete(running));
  }
}

function isWellFormedInvokeResult(value: unknown): value is InvokeResult {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  if (typeof v.logsSent !== "number") return false;
  if (v.ok === true) return typeof v.result === "string";
  return v.ok === false && typeof v.fatal === "boolean";
}
