/** The async section's settings and results (printed by report.ts, written into the results JSON). */
import type { ServiceLog } from "../stack.ts";
import type { Summary } from "../stats.ts";
import type { WrkResult } from "../wrk.ts";
import type { CeilingResult } from "./ceiling.ts";
import type { NatsPerEvent } from "./nats-counters.ts";

export interface AsyncSettings {
  /** Events enqueued for the completed run, and published to the floor's stream. */
  events: number;
  /** Publishes awaiting their PubAck at once, for fnmesh and the floor alike. */
  publishWindow: number;
  /** wrk's measured run of signed `Event` invokes through the Lambda API, after a 1 s warm-up at 8 connections. */
  acceptSeconds: number;
  acceptConnections: number;
  /** Messages the floor's pull consumer asks for at once (`consume({ max_messages })`). */
  floorBatch: number;
  /** Sync calls through the invoke client for the reference ceiling (0: skip), and how many in flight. */
  ceilingCalls: number;
  ceilingWindow: number;
  /** Executor processes in the mesh (`--executors`). */
  executors: number;
  /** A run is over when every event has completed, or when none completes for this long. */
  idleTimeoutMs: number;
}

/** One event path's completed run: fnmesh (enqueue → scheduler → executor) or the floor. */
export interface PathResult {
  events: number;
  /** From the first publish to the last PubAck. */
  publishMs: number;
  publishedPerSec: number;
  /** Publishes that failed (not stored). */
  publishErrors: number;
  /** Distinct events seen run to completion (fnmesh: a REPORT line; floor: the handler returned). */
  completed: number;
  /** Runs beyond the first of an event (an event that ran twice counts 1). */
  duplicates: number;
  /** Published events never seen completed before the run ended. */
  missing: number;
  /** From the first publish to the last completion; NaN when none completed. */
  elapsedMs: number;
  completedPerSec: number;
  /** Start of the run (fnmesh: START line time; floor: before the handler call) − envelope acceptedAt, ms. */
  delay: Summary;
  /** fnmesh: ERROR log lines; floor: answers without the handler's `ok: true` and the event's `n`. */
  wrongAnswers: number;
  /** Why the wait ended: all completed, no completion for idleTimeoutMs, or the overall deadline. */
  ended: WaitEnd;
  /**
   * fnmesh only: deliveries by the scheduler's consumer during the run, and how many of them were
   * redeliveries (a nak for a throttle or missing executor, an expired ack wait); NaN if unreadable.
   */
  queue?: { deliveries: number; redeliveries: number };
  delaySamples: number[];
}

export const WaitEnd = { AllDone: "all completed", Idle: "idle timeout", Deadline: "deadline" } as const;
export type WaitEnd = (typeof WaitEnd)[keyof typeof WaitEnd];

/** The Lambda API's `Event` invokes under wrk, and what became of them. */
export interface AcceptedResult {
  warmup: WrkResult;
  run: WrkResult;
  /** 202 answers in the measured run per second. */
  acceptedPerSec: number;
  /** 202 answers in warm-up and run: each must run exactly once. */
  accepted: number;
  completed: number;
  duplicates: number;
  /** accepted − completed, when positive. */
  missing: number;
  /**
   * Runs of API request ids beyond the accepted count: wrk counts no answer for requests still in
   * flight when it stops (up to one per connection), though ingest may have stored them.
   */
  extra: number;
  ended: WaitEnd;
}

/** CPU a process used during one run, from /proc (services, nats-server) or process.cpuUsage (bench, floor). */
export interface ProcessCpu { name: string; cpuMs: number; perEventUs: number }

/** One function's self time in one process's V8 CPU profile. */
export interface ProfileEntry { fn: string; selfMs: number; percent: number; perEventUs: number }
export interface ProcessProfile {
  file: string;
  service: string;
  /** The bench phase these samples fall in, and the runs done in it. */
  phase: string;
  events: number;
  /** Sampled time in the phase (its length), ms. */
  totalMs: number;
  idlePercent: number;
  gcPercent: number;
  /** Functions by self time, busiest first. */
  top: ProfileEntry[];
  /** Self time by where the code lives: an npm package, an fnmesh workspace, a Node internal module. */
  byPackage: ProfileEntry[];
}

export interface AsyncResults {
  settings: AsyncSettings;
  accepted: AcceptedResult;
  fnmesh: PathResult;
  floor: PathResult;
  /** Sync invocations/s through the invoke client: the dispatch ceiling the scheduler works under. */
  ceiling?: CeilingResult;
  /** CPU per process during each completed run (and the ceiling's calls). */
  cpu: { fnmesh: ProcessCpu[]; floor: ProcessCpu[]; ceiling?: ProcessCpu[] };
  /** nats-server's messages in/out and JetStream API calls per event (per call for the ceiling). */
  natsPerEvent: { fnmesh?: NatsPerEvent | undefined; floor?: NatsPerEvent | undefined; ceiling?: NatsPerEvent | undefined };
  /** With `--cpu-prof`: where each service spent its time, per phase. */
  profiles?: ProcessProfile[];
  /** Observer problems (e.g. its NATS connection dropped, so runs may be missing from the counts). */
  errors: string[];
  serviceLogs: ServiceLog[];
}
