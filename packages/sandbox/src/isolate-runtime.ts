/**
 * The isolated-vm implementation of `SandboxRuntime`: a warm pool of `IsolateSandbox`es plus the
 * compiled-code cache they share.
 */
import ivm from "isolated-vm";
import { Component, ErrorCode, FnmeshError } from "@fnmesh/protocol";
import { handlerFile } from "./lambda-environment.ts";
import { IsolateSandbox } from "./isolated-vm/sandbox.ts";
import type { RunResult, SandboxSettings } from "./isolated-vm/sandbox.ts";
import { CodeCache } from "./isolated-vm/code-cache.ts";
import { compileBundleScript } from "./isolated-vm/load-bundle.ts";
import type { EgressConfig } from "./isolated-vm/fetch-host.ts";
import { hostWorkClock } from "./isolated-vm/host-work.ts";
import { SpareIsolates } from "./isolated-vm/spare-isolates.ts";
import type { HostWorkConfig } from "./isolated-vm/host-work.ts";
import { LogCollector } from "./log-collector.ts";
import type { EgressOptions, InvocationInput, InvocationMetrics, InvocationOutcome, IsolateRuntimeOptions, RuntimeStats, SandboxFunction, SandboxRuntime } from "./types.ts";
import { WarmPool } from "./warm-pool.ts";

const MIB = 1024 * 1024;
/** V8 code cache kept per process, across all functions. */
const CODE_CACHE_BYTES = 256 * MIB;
/** Heap of the isolate `prepare` compiles in (no user code runs there), and past what it is replaced. */
const PREPARE_HEAP_MB = 512;
const PREPARE_RECYCLE_BYTES = 64 * MIB;

/** Resolved IsolateRuntimeOptions. */
export interface IsolateRuntimeConfig {
  memoryBudgetMb: number;
  idleTtlMs: number;
  maxLogBytes: number;
  maxTimers: number;
  initTimeoutMs: number;
  onCatastrophicError: (message: string) => void;
  egress: EgressConfig | undefined;
  hostWork: HostWorkConfig;
}

export function resolveIsolateRuntimeOptions(options: IsolateRuntimeOptions = {}): IsolateRuntimeConfig {
  const config: IsolateRuntimeConfig = {
    memoryBudgetMb: options.memoryBudgetMb ?? 2048,
    idleTtlMs: options.idleTtlMs ?? 5 * 60_000,
    maxLogBytes: options.maxLogBytes ?? 256 * 1024,
    maxTimers: options.maxTimers ?? 1000,
    initTimeoutMs: options.initTimeoutMs ?? 10_000,
    onCatastrophicError: options.onCatastrophicError ?? (() => {}),
    egress: resolveEgress(options.egress),
    hostWork: { burstMs: options.hostWork?.burstMs ?? 250, share: options.hostWork?.share ?? 0.25, now: options.hostWork?.now ?? hostWorkClock },
  };
  const problems = (["memoryBudgetMb", "idleTtlMs", "maxLogBytes", "maxTimers", "initTimeoutMs"] as const)
    .filter((name) => !(Number.isFinite(config[name]) && config[name] > 0))
    .map((name) => `${name} must be a positive number (got ${String(options[name])})`);
  const { burstMs, share } = config.hostWork;
  if (!(Number.isFinite(burstMs) && burstMs > 0)) problems.push(`hostWork.burstMs must be a positive number (got ${String(options.hostWork?.burstMs)})`);
  if (!(Number.isFinite(share) && share > 0 && share <= 1)) problems.push(`hostWork.share must be a number in (0, 1] (got ${String(options.hostWork?.share)})`);
  if (typeof config.hostWork.now !== "function") problems.push(`hostWork.now must be a function (got ${typeof config.hostWork.now})`);
  if (options.egress !== undefined && typeof options.egress.fetcher?.fetch !== "function") problems.push("egress.fetcher must have a fetch method");
  for (const name of ["timeoutMs", "maxResponseBytes", "maxPending"] as const) {
    const value = config.egress?.[name];
    if (value !== undefined && !(Number.isFinite(value) && value > 0)) problems.push(`egress.${name} must be a positive number (got ${String(options.egress?.[name])})`);
  }
  if (problems.length > 0) {
    throw new FnmeshError(ErrorCode.InvalidRequest, Component.Sandbox, `invalid isolate runtime options: ${problems.join("; ")}`);
  }
  return config;
}

function resolveEgress(egress: EgressOptions | undefined): EgressConfig | undefined {
  if (egress === undefined) return undefined;
  return {
    fetcher: egress.fetcher,
    timeoutMs: egress.timeoutMs ?? 30_000,
    maxResponseBytes: egress.maxResponseBytes ?? 6 * MIB,
    maxPending: egress.maxPending ?? 32,
  };
}

/**
 * Creates a runtime that runs Lambda Node.js handlers in isolated-vm isolates. The process must run
 * with `--no-node-snapshot`.
 */
export function createIsolateRuntime(options: IsolateRuntimeOptions = {}): SandboxRuntime {
  const config = resolveIsolateRuntimeOptions(options);
  const codeCache = new CodeCache(CODE_CACHE_BYTES);
  const pool = new WarmPool<IsolateSandbox>({ memoryBudgetBytes: config.memoryBudgetMb * MIB, idleTtlMs: config.idleTtlMs });
  const settings: SandboxSettings = {
    maxLogBytes: config.maxLogBytes,
    maxTimers: config.maxTimers,
    initTimeoutMs: config.initTimeoutMs,
    codeCache,
    onCatastrophicError: config.onCatastrophicError,
    egress: config.egress,
    hostWork: config.hostWork,
  };
  let coldStarts = 0;
  let warmStarts = 0;
  let closed = false;
  /** Keys with a cold start making its isolate now: `prepare` makes none for them. */
  const starting = new Map<string, number>();
  /** Blank isolates per memory size, so a new sandbox only installs the prelude. */
  const spares = new SpareIsolates();
  /** Where `prepare` compiles: shared, never runs user code, replaced when it grows or dies. */
  let scratch: ivm.Isolate | undefined;

  const unavailable = () => new FnmeshError(ErrorCode.Unavailable, Component.Sandbox, "the sandbox runtime is closed");

  async function invoke(input: InvocationInput): Promise<InvocationOutcome> {
    if (closed) throw unavailable();
    const { fn } = input;
    const logs = new LogCollector(config.maxLogBytes, input.onLog);
    let sandbox = pool.acquire(fn.name, fn.key);
    let cold: { code: string; startedAt: number } | undefined;
    if (sandbox === undefined) {
      starting.set(fn.key, (starting.get(fn.key) ?? 0) + 1);
      try {
        ({ sandbox, cold } = await coldStart(fn));
      } finally {
        const left = (starting.get(fn.key) ?? 1) - 1;
        if (left > 0) starting.set(fn.key, left); else starting.delete(fn.key);
      }
    } else {
      cold = await preparedStart(sandbox, fn);
    }
    if (cold !== undefined) {
      coldStarts++;
    } else {
      warmStarts++;
    }
    let run: RunResult;
    try {
      run = await sandbox.run(input, logs, cold);
    } catch (err) {
      pool.release(sandbox, false);
      throw err;
    }
    pool.release(sandbox, run.reusable);
    return toOutcome(run, logs, cold !== undefined);
  }

  /** An isolate for `fn` when none was idle: memory first, then one that came free meanwhile, else a new one. */
  async function coldStart(fn: SandboxFunction): Promise<{ sandbox: IsolateSandbox; cold: { code: string; startedAt: number } | undefined }> {
    // Memory for one more isolate, not a CPU slot: an invocation awaiting I/O holds only its heap.
    const reserved = await pool.reserve(fn.key);
    const freed = closed ? undefined : pool.acquire(fn.name, fn.key);
    if (freed !== undefined) {
      pool.unreserve(reserved);
      return { sandbox: freed, cold: await preparedStart(freed, fn) };
    }
    let sandbox: IsolateSandbox;
    let code: string;
    let startedAt: number;
    try {
      if (closed) throw unavailable();
      code = await loadCode(fn);
      if (closed) throw unavailable();
      startedAt = performance.now();
      sandbox = IsolateSandbox.create(fn, settings, spares.take(fn.memoryMb));
    } catch (err) {
      pool.unreserve(reserved);
      throw err;
    }
    pool.add(sandbox, reserved);
    return { sandbox, cold: { code, startedAt } };
  }

  /**
   * For an isolate `prepare` made: its cold start (the function's init has not run in it), timed
   * from now; undefined for an isolate that has served before.
   */
  async function preparedStart(sandbox: IsolateSandbox, fn: SandboxFunction): Promise<{ code: string; startedAt: number } | undefined> {
    if (!pool.takePrepared(sandbox)) return undefined;
    try {
      const code = await loadCode(fn);
      if (closed) throw unavailable();
      return { code, startedAt: performance.now() };
    } catch (err) {
      pool.release(sandbox, false);
      throw err;
    }
  }

  async function prepare(fn: SandboxFunction): Promise<void> {
    if (closed) return;
    // The code's fetch starts first and runs while the isolate is made: an invoke sent right after
    // CreateFunction returns arrives a few ms after the view, and making the isolate (~2-4 ms of
    // synchronous work) is the larger part of what it would otherwise wait for.
    const source = codeCache.get(fn.codeId) === undefined && codeCache.compiling(fn.codeId) === undefined ? startLoad(fn) : undefined;
    // An isolate with the prelude and the function's settings, none of its code run: its first
    // invocation skips creating one. Only for a key nothing serves yet.
    if (!pool.has(fn.key) && !starting.has(fn.key)) {
      try {
        pool.addPrepared(IsolateSandbox.create(fn, settings, spares.take(fn.memoryMb)));
      } catch {
        // The first invocation creates its own, and reports why it cannot.
      }
    }
    await compileAhead(fn, source);
  }

  /** `fn.loadCode()` begun now; resolves undefined when it fails (the first invocation reports why). */
  function startLoad(fn: SandboxFunction): Promise<string | undefined> {
    try {
      return fn.loadCode().then((code) => code, () => undefined);
    } catch {
      return Promise.resolve(undefined);
    }
  }

  async function compileAhead(fn: SandboxFunction, loading: Promise<string | undefined> | undefined): Promise<void> {
    if (closed || codeCache.get(fn.codeId) !== undefined) return;
    const pending = codeCache.compiling(fn.codeId);
    if (pending !== undefined) return pending;
    const source = await (loading ?? startLoad(fn));
    if (closed || typeof source !== "string") return;
    if (scratch === undefined || scratch.isDisposed) scratch = new ivm.Isolate({ memoryLimit: PREPARE_HEAP_MB });
    const isolate = scratch;
    try {
      // The same filename as a cold start's compile (sandbox.ts #init).
      const script = await compileBundleScript(isolate, source, fn.codeId, codeCache, `file:///var/task/${handlerFile(fn.handlerName)}.mjs`);
      script?.release();
    } catch {
      // Best effort: a syntax error, or a bundle too large for the scratch heap, is the first invocation's to report.
    }
    try {
      const heap = isolate.isDisposed ? undefined : isolate.getHeapStatisticsSync();
      if (heap === undefined || heap.total_heap_size + heap.externally_allocated_size > PREPARE_RECYCLE_BYTES) retireScratch(isolate);
    } catch {
      retireScratch(isolate);
    }
  }

  function retireScratch(isolate: ivm.Isolate): void {
    if (scratch === isolate) scratch = undefined;
    if (!isolate.isDisposed) isolate.dispose();
  }

  return {
    invoke,
    prepare,
    stats(): RuntimeStats {
      return { ...pool.stats(), coldStarts, warmStarts, compiledCodes: codeCache.size, codeCompiles: codeCache.compiles, spareIsolates: spares.ready };
    },
    async close() {
      closed = true;
      pool.clear();
      spares.close();
      codeCache.clear();
      if (scratch !== undefined) retireScratch(scratch);
    },
  };
}

async function loadCode(fn: SandboxFunction): Promise<string> {
  try {
    const code = await fn.loadCode();
    if (typeof code !== "string") throw new TypeError(`loadCode returned ${typeof code}, not a string`);
    return code;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new FnmeshError(ErrorCode.CodeUnavailable, Component.Sandbox, `cannot load the code of ${fn.name}: ${message}`, { cause: err });
  }
}

function toOutcome(run: RunResult, logs: LogCollector, cold: boolean): InvocationOutcome {
  const metrics: InvocationMetrics = {
    durationMs: run.durationMs,
    cold,
    maxMemoryUsedMb: run.maxMemoryUsedMb,
    hostTimeMs: run.hostTimeMs,
    logs: logs.lines,
    logsTruncated: logs.truncated,
  };
  if (run.initDurationMs !== undefined) metrics.initDurationMs = run.initDurationMs;
  if (run.cpuTimeMs !== undefined) metrics.cpuTimeMs = run.cpuTimeMs;
  const { result } = run;
  if (result.ok) return { status: "ok", result: result.result, ...metrics };
  return result.limit === undefined
    ? { status: "function_error", error: result.error, ...metrics }
    : { status: "function_error", error: result.error, limit: result.limit, ...metrics };
}
