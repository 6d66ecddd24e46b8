import { availableParallelism, hostname } from "node:os";
import { EnvReader, type Env } from "@fnmesh/service-kit";

export interface ExecutorConfig {
  natsUrl: string;
  executorId: string;
  /** Invocations running at once on this executor. */
  concurrency: number;
  /** Invocations allowed to wait for a slot before TooManyRequests. */
  queueDepth: number;
  /** Heap budget for idle warm isolates before LRU eviction. */
  memoryBudgetMb: number;
  codeCacheMb: number;
  /** Consume event invocations from JetStream (off when a scheduler drives executors). */
  consumeAsync: boolean;
  asyncAckWaitMs: number;
  otlpEndpoint?: string;
  logLevel: "debug" | "info" | "warn" | "error";
}

export function loadConfig(env: Env): ExecutorConfig {
  const r = new EnvReader(env);
  const otlpEndpoint = r.optional("FNMESH_OTLP_ENDPOINT");
  const config: ExecutorConfig = {
    natsUrl: r.url("NATS_URL", "nats://127.0.0.1:4222", ["nats:", "tls:"]),
    executorId: r.string("FNMESH_EXECUTOR_ID", `${hostname()}-${process.pid}`),
    concurrency: r.int("FNMESH_EXECUTOR_CONCURRENCY", Math.max(4, availableParallelism() * 4), 1, 10_000),
    queueDepth: r.int("FNMESH_EXECUTOR_QUEUE_DEPTH", 256, 0, 100_000),
    memoryBudgetMb: r.int("FNMESH_EXECUTOR_MEMORY_BUDGET_MB", 1024, 64, 1_048_576),
    codeCacheMb: r.int("FNMESH_EXECUTOR_CODE_CACHE_MB", 256, 1, 65_536),
    consumeAsync: r.oneOf("FNMESH_EXECUTOR_CONSUME_ASYNC", "true", ["true", "false"] as const) === "true",
    asyncAckWaitMs: r.int("FNMESH_EXECUTOR_ASYNC_ACK_WAIT_MS", 60_000, 2_000, 3_600_000),
    logLevel: r.oneOf("FNMESH_LOG_LEVEL", "info", ["debug", "info", "warn", "error"] as const),
    ...(otlpEndpoint ? { otlpEndpoint } : {}),
  };
  r.done("executor");
  return config;
}
