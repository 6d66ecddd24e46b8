/** Shared shapes of the isolate-level section: the three contenders, what a probe measures, results. */
import type { Summary } from "../stats.ts";

/** What runs one function in this section. contract: never rename (keys of the results JSON). */
export const ContenderName = {
  Fnmesh: "fnmesh",
  NodeVm: "nodeVm",
  WorkerThreads: "workerThreads",
} as const;
export type ContenderName = (typeof ContenderName)[keyof typeof ContenderName];

export const ProbePhase = { Timing: "timing", Memory: "memory" } as const;
export type ProbePhase = (typeof ProbePhase)[keyof typeof ProbePhase];

/** A live instance of one function (an isolate, a context, a worker) that has answered its first call. */
export interface Instance {
  /** Calls the handler with event JSON text; resolves with the result's JSON text. */
  call(event: string): Promise<string>;
  /** Releases what can be released per instance (a worker terminates; a context is dropped). */
  close(): Promise<void>;
}

/** One way to run the bench handler. Code is prepared before any timing starts. */
export interface Contender<Code> {
  /** The handler's code for this contender, unique per `tag` (so nothing is shared by accident). */
  prepare(tag: string): Promise<Code>;
  /**
   * Creates a new instance of `code` and makes its first call with `event` (the cold start). Where
   * the contender has a code cache, code started before reuses its compiled form.
   */
  start(code: Code, event: string): Promise<{ instance: Instance; result: string; initMs?: number }>;
  /** Heap bytes held now by what this contender runs in; a probe takes differences. */
  heapBytes(): Promise<number>;
  /** True when a "same code, new instance" cold start can reuse compiled code. */
  readonly hasCodeCache: boolean;
  /**
   * The transport's floor, when it has one worth showing: a call that does nothing through the
   * same mechanism as `Instance.call` (fnmesh: isolated-vm's async apply of an empty function).
   */
  floor?(): Promise<{ call(): Promise<void>; close(): void }>;
  close(): Promise<void>;
}

export interface IsolateSettings {
  /** Untimed cold starts first: the first ones in a process compile host code paths. */
  coldWarmup: number;
  /** Timed cold starts per kind (new code; same code, where a code cache exists). */
  coldSamples: number;
  /** worker_threads cold starts (each boots a Node environment, ~25 ms). */
  workerColdSamples: number;
  warmWarmup: number;
  warmCalls: number;
  /** Warm instances kept alive for the memory measurement. */
  memoryInstances: number;
  memoryWorkers: number;
}

/** What a timing probe (one child process) reports. All times in ms, in the order taken. */
export interface TimingProbe {
  coldNewMs: number[];
  coldNewInitMs: number[];
  coldSameMs: number[];
  coldSameInitMs: number[];
  warmMs: number[];
  floorMs: number[];
  errors: string[];
}

/** What a memory probe (one child process) reports. */
export interface MemoryProbe {
  instances: number;
  rssBeforeBytes: number;
  rssAfterBytes: number;
  /** Heap held by the instances: after minus before. */
  heapBytes: number;
  /** Whether `gc()` was available to collect the host heap before each RSS reading. */
  gcExposed: boolean;
  errors: string[];
}

export interface ContenderResults {
  /** Cold start with code never compiled in this process: wall time around create + compile + first call. */
  coldNew: Summary;
  /** fnmesh only: the sandbox's own `initDurationMs` for those starts. */
  coldNewInit?: Summary;
  /** Cold start of code started before, in a new instance (compiled-code cache hit); absent without a cache. */
  coldSame?: Summary;
  coldSameInit?: Summary;
  /** Wall time per call on one warm instance. */
  warm: Summary;
  /** fnmesh only: the transport floor (Contender.floor), measured right after the warm calls. */
  warmFloor?: Summary;
  memory: MemoryProbe & {
    rssPerInstanceBytes: number;
    heapPerInstanceBytes: number;
    /** 1 GiB / RSS per instance, rounded down. */
    perGiBByRss: number;
    /** 1 GiB / heap per instance, rounded down. */
    perGiBByHeap: number;
  };
  errors: string[];
  samples: { coldNew: number[]; coldNewInit: number[]; coldSame: number[]; coldSameInit: number[]; warm: number[] };
}

export interface IsolateResults {
  settings: IsolateSettings;
  /** Node flags of the probe processes, per phase. */
  flags: Record<ProbePhase, string[]>;
  fnmesh: ContenderResults;
  nodeVm: ContenderResults;
  workerThreads: ContenderResults;
  /** What importing Node built-ins costs a function (absent in results from before it was measured). */
  builtins?: BuiltinCostResults;
}

/** The handlers whose costs the built-in section compares. contract: never rename (keys of the results JSON). */
export const BuiltinHandler = {
  /** Imports no built-in. */
  None: "none",
  /** Imports `buffer`, `crypto` and `stream` and calls one function of each. */
  BufferCryptoStream: "bufferCryptoStream",
} as const;
export type BuiltinHandler = (typeof BuiltinHandler)[keyof typeof BuiltinHandler];

export interface BuiltinSettings {
  /** Probe processes; each figure is the median of the runs' figures. */
  runs: number;
  coldWarmup: number;
  /** Timed cold starts per handler per run. */
  coldSamples: number;
  warmWarmup: number;
  /** Timed warm calls per handler per run. */
  warmCalls: number;
}

/** What one built-in cost probe (one child process) reports per handler. All times in ms. */
export interface BuiltinProbe {
  /** UTF-8 bytes of the bundle buildBundle made. */
  bundleBytes: number;
  coldMs: number[];
  /** Process CPU (all threads) per cold start. */
  coldCpuMs: number[];
  coldInitMs: number[];
  warmMs: number[];
  /** Process CPU per warm call, averaged over each block of calls. */
  warmCpuMs: number[];
  errors: string[];
}

/** One run's figures for one handler: percentiles of its samples, in ms. */
export interface BuiltinRunFigures {
  coldP50Ms: number;
  coldCpuP50Ms: number;
  /** The sandbox's own initDurationMs. */
  coldInitP50Ms: number;
  warmP50Ms: number;
  warmP99Ms: number;
  warmCpuP50Ms: number;
}

/** Per handler: the median over runs of each run's figure, and the runs themselves. */
export interface BuiltinHandlerResults extends BuiltinRunFigures {
  bundleBytes: number;
  runs: BuiltinRunFigures[];
  errors: string[];
}

export interface BuiltinCostResults {
  settings: BuiltinSettings;
  none: BuiltinHandlerResults;
  bufferCryptoStream: BuiltinHandlerResults;
}
