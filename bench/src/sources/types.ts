/** Settings and results of the event-sources section. */
import type { ChangesResults } from "../changes/run.ts";
import type { ServiceLog } from "../stack.ts";
import type { Summary } from "../stats.ts";

export interface SourcesSettings {
  /** Rows inserted in the burst (one change each). */
  rows: number;
  /** Rows per transaction in the burst and the commit floor. */
  txnRows: number;
  /** Concurrent writer connections in the burst and the commit floor. */
  writers: number;
  /** The burst mapping's BatchSize and MaximumBatchingWindowInSeconds. */
  batchSize: number;
  windowSeconds: number;
  /** One-row transactions (Postgres) and messages (NATS) for the delay measurements, and the pause between them. */
  singles: number;
  pauseMs: number;
  /** Give up waiting when nothing new arrived for this long. */
  idleTimeoutMs: number;
}

export interface BurstResult {
  /** Distinct rows delivered to an invocation, of `rows` written. */
  delivered: number;
  /** Records delivered more than once (at least once allows it; none expected without failures). */
  duplicates: number;
  batches: number;
  /** Rows per batch, mean. */
  meanBatch: number;
  /** First write → start of the handler that got the last row, ms. */
  elapsedMs: number;
  perSec: number;
  /** Commit of each batch's first record → its handler start, ms (includes the backlog and window). */
  batchDelayMs: Summary;
  /** Writers alone, committing the burst: first write → last commit, ms. */
  commitMs: number;
  ended: "all delivered" | "idle timeout";
}

export interface DelayResult {
  sent: number;
  received: number;
  duplicates: number;
  delayMs: Summary;
  delaySamples: number[];
}

export interface SourcesResults {
  settings: SourcesSettings;
  /** PostgreSQL alone: the burst's workload into a table no mapping reads, before any mapping exists. */
  commitFloorPerSec: number;
  burst: BurstResult;
  /** One-row transactions one after another on a mapping with window 0: commit → handler start. */
  pgSingle: DelayResult;
  /** NATS messages on a mapped subject, one after another: publish → handler start. */
  nats: DelayResult;
  /** The same messages between two plain NATS clients: publish → subscriber callback. */
  natsFloor: DelayResult;
  /** bench/src/changes/run.ts on its own servers after the stack stopped: the feed into FNMESH_CHANGES alone. */
  changes?: ChangesResults;
  errors: string[];
  serviceLogs: ServiceLog[];
}
