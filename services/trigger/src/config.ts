import { DEFAULT_MAX_SLOT_LAG_BYTES, parsePgSources, type PgSource } from "@fnmesh/pg-change-feed";
import { readS3SourceConfig, type S3SourceConfig } from "@fnmesh/s3-events";
import { EnvReader, readCommonConfig, type CommonConfig, type Env } from "@fnmesh/service-kit";

/** How JetStream-backed mappings (streams, Postgres changes) run their batches. */
export interface BatchRunnerConfig {
  /** FNMESH_TRIGGER_RETRY_BASE_MS: wait before a failed batch's first retry; the n-th waits base·2^(n-1). */
  retryBaseMs: number;
  /** FNMESH_TRIGGER_RETRY_MAX_MS: the longest wait between retries. */
  retryMaxMs: number;
  /** FNMESH_TRIGGER_ACK_WAIT_MS: how long a batch held by a dead replica stays invisible to the others. */
  ackWaitMs: number;
}

export interface TriggerConfig extends CommonConfig {
  batches: BatchRunnerConfig;
  /** FNMESH_S3_*: the S3-compatible server whose buckets S3 mappings bind; unset, buckets are bound by hand (notifications still flow). */
  s3?: S3SourceConfig;
  /** FNMESH_PG_SOURCES (`name=postgres://…`, comma-separated): the databases Postgres mappings name. */
  pgSources: ReadonlyMap<string, PgSource>;
  /** FNMESH_PG_MAX_SLOT_LAG_BYTES: WAL a mapping's slot may hold back before it is skipped ahead (with a dead letter). */
  maxSlotLagBytes: number;
}

export function loadConfig(env: Env): TriggerConfig {
  const r = new EnvReader(env);
  const config: TriggerConfig = {
    ...readCommonConfig(r),
    batches: {
      retryBaseMs: r.int("FNMESH_TRIGGER_RETRY_BASE_MS", 1_000, 1, 3_600_000),
      retryMaxMs: r.int("FNMESH_TRIGGER_RETRY_MAX_MS", 60_000, 1, 3_600_000),
      ackWaitMs: r.int("FNMESH_TRIGGER_ACK_WAIT_MS", 30_000, 1_000, 600_000),
    },
    pgSources: new Map(),
    maxSlotLagBytes: r.int("FNMESH_PG_MAX_SLOT_LAG_BYTES", DEFAULT_MAX_SLOT_LAG_BYTES, 16 * 1024 * 1024, Number.MAX_SAFE_INTEGER),
  };
  const s3 = readS3SourceConfig(r);
  if (s3) config.s3 = s3;
  try {
    config.pgSources = parsePgSources(r.optional("FNMESH_PG_SOURCES") ?? "");
  } catch (err) {
    r.problems.push(err instanceof Error ? err.message : String(err));
  }
  if (config.batches.retryMaxMs < config.batches.retryBaseMs) {
    r.problems.push(`FNMESH_TRIGGER_RETRY_MAX_MS (${config.batches.retryMaxMs}) must be at least FNMESH_TRIGGER_RETRY_BASE_MS (${config.batches.retryBaseMs}): it caps the retry wait`);
  }
  r.done("trigger");
  return config;
}
