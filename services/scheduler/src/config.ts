import { EnvReader, readCommonConfig, type CommonConfig, type Env } from "@fnmesh/service-kit";

/** How the scheduler drains FNMESH_ASYNC. */
export interface AsyncQueueConfig {
  /** Messages handled at once by this replica (each holds its message until its outcome is durable). */
  maxInFlight: number;
  /** Wait before the first retry of a failed attempt; the n-th retry waits base·2^(n-1) (Lambda: ~1 min, then ~2 min). */
  retryBaseMs: number;
  /** Wait before trying a throttled (or executor-less) event again; doubles per redelivery, with jitter. */
  throttleRetryMs: number;
  /** The consumer's ack wait: how long a message held by a dead scheduler stays invisible. */
  ackWaitMs: number;
}

export interface SchedulerConfig extends CommonConfig {
  async: AsyncQueueConfig;
}

export function loadConfig(env: Env): SchedulerConfig {
  const r = new EnvReader(env);
  const config: SchedulerConfig = {
    ...readCommonConfig(r),
    async: {
      maxInFlight: r.int("FNMESH_SCHEDULER_MAX_IN_FLIGHT", 256, 1, 10_000),
      retryBaseMs: r.int("FNMESH_ASYNC_RETRY_BASE_MS", 60_000, 1, 3_600_000),
      throttleRetryMs: r.int("FNMESH_ASYNC_THROTTLE_RETRY_MS", 1_000, 1, 600_000),
      ackWaitMs: r.int("FNMESH_SCHEDULER_ACK_WAIT_MS", 30_000, 1_000, 600_000),
    },
  };
  r.done("scheduler");
  return config;
}
