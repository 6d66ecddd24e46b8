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

/** Schedule ticks (src/ticks/): the leader lease and how often, and how far back, ticks are fired. */
export interface ScheduleTicksConfig {
  /** FNMESH_SCHEDULER_ID: this replica's name in the lease; default host:pid:random. */
  holder?: string;
  /** FNMESH_SCHEDULER_LEASE_MS: a leader that stops renewing is replaced after this long. */
  leaseMs: number;
  /** FNMESH_SCHEDULER_RENEW_MS: how often the leader renews (and followers look at) the lease. */
  renewMs: number;
  /** FNMESH_SCHEDULER_TICK_MS: how often the leader looks for due ticks. */
  tickMs: number;
  /** FNMESH_SCHEDULER_CATCHUP_MS: missed ticks older than this are skipped (src/ticks/tick-planner.ts). */
  catchUpMs: number;
}

export interface SchedulerConfig extends CommonConfig {
  async: AsyncQueueConfig;
  ticks: ScheduleTicksConfig;
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
    ticks: readTicksConfig(r),
  };
  r.done("scheduler");
  return config;
}

function readTicksConfig(r: EnvReader): ScheduleTicksConfig {
  const holder = r.optional("FNMESH_SCHEDULER_ID");
  const ticks: ScheduleTicksConfig = {
    leaseMs: r.int("FNMESH_SCHEDULER_LEASE_MS", 10_000, 500, 600_000),
    renewMs: r.int("FNMESH_SCHEDULER_RENEW_MS", 3_000, 100, 300_000),
    tickMs: r.int("FNMESH_SCHEDULER_TICK_MS", 1_000, 50, 60_000),
    catchUpMs: r.int("FNMESH_SCHEDULER_CATCHUP_MS", 5 * 60_000, 0, 24 * 3_600_000),
    ...(holder !== undefined ? { holder } : {}),
  };
  // A renewal must land before the lease runs out, or the leader loses it to itself every time.
  if (ticks.renewMs * 2 > ticks.leaseMs) r.problems.push(`FNMESH_SCHEDULER_RENEW_MS (${ticks.renewMs}) must be at most half of FNMESH_SCHEDULER_LEASE_MS (${ticks.leaseMs})`);
  return ticks;
}
