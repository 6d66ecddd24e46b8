import { hostname } from "node:os";
import { EnvReader, readCommonConfig, type CommonConfig, type Env } from "@fnmesh/service-kit";
import { parseEgressAllow } from "@fnmesh/sandbox";

export interface ExecutorConfig extends CommonConfig {
  executorId: string;
  /**
   * Invocations in flight at once on this executor: a backstop count, since the memory budget is
   * what bounds them (one awaiting I/O or a timer holds its isolate's heap, not a CPU).
   */
  concurrency: number;
  /** Invocations allowed to wait for a slot before TooManyRequests. */
  queueDepth: number;
  /** Heap of all isolates, busy and idle: idle ones are evicted LRU to stay within it, cold starts wait while busy ones fill it. */
  memoryBudgetMb: number;
  codeCacheMb: number;
  /** Outbound fetch from functions: what FNMESH_EGRESS_ALLOW opens beyond public addresses, and limits. */
  egress: { allow: string[]; timeoutMs: number; maxResponseBytes: number; maxPending: number };
  /** Host main-thread time one invocation's URL/crypto/structuredClone calls may take: a burst, then a share of wall time. */
  hostWork: { burstMs: number; share: number };
}

export function loadConfig(env: Env): ExecutorConfig {
  const r = new EnvReader(env);
  const allow = parseEgressAllow(r.optional("FNMESH_EGRESS_ALLOW"));
  for (const problem of allow.problems) r.problems.push(`FNMESH_EGRESS_ALLOW: ${problem}`);
  // 2 GiB: ~1,250 small functions stay warm (~1.64 MiB each resident), ~900 much-used ones (docs/density.md).
  const memoryBudgetMb = r.int("FNMESH_EXECUTOR_MEMORY_BUDGET_MB", 2048, 64, 1_048_576);
  const config: ExecutorConfig = {
    ...readCommonConfig(r),
    executorId: r.string("FNMESH_EXECUTOR_ID", `${hostname()}-${process.pid}`),
    // One per MiB of budget: no isolate is smaller (an empty one is ~3 MiB), so the budget binds first.
    concurrency: r.int("FNMESH_EXECUTOR_CONCURRENCY", Math.min(memoryBudgetMb, 100_000), 1, 100_000),
    queueDepth: r.int("FNMESH_EXECUTOR_QUEUE_DEPTH", 256, 0, 100_000),
    memoryBudgetMb,
    codeCacheMb: r.int("FNMESH_EXECUTOR_CODE_CACHE_MB", 256, 1, 65_536),
    egress: {
      allow: allow.entries,
      timeoutMs: r.int("FNMESH_FETCH_TIMEOUT_MS", 30_000, 100, 900_000),
      maxResponseBytes: r.int("FNMESH_FETCH_MAX_RESPONSE_BYTES", 6 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxPending: r.int("FNMESH_FETCH_MAX_PENDING", 32, 1, 10_000),
    },
    hostWork: {
      burstMs: r.int("FNMESH_HOST_WORK_BURST_MS", 250, 1, 60_000),
      share: r.int("FNMESH_HOST_WORK_SHARE_PERCENT", 25, 1, 100) / 100,
    },
  };
  r.done("executor");
  return config;
}
