/** startExecutor: serves sync invocations and drains async ones over NATS; tests call this too. */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Tracer } from "@opentelemetry/api";
import { createEgressFetcher, createIsolateRuntime, type SandboxRuntime } from "@fnmesh/sandbox";
import { ensureAsyncConsumer, ensureAsyncStream, openCodeStore, serveHealth } from "@fnmesh/service-kit";
import type { Logger } from "@fnmesh/telemetry";
import { createCodeCache } from "./code-cache.ts";
import { createConcurrencyLimiter } from "./concurrency-limiter.ts";
import type { ExecutorConfig } from "./config.ts";
import { consumeAsyncInvocations, type AsyncConsumer } from "./handlers/async-invoke.ts";
import { serveSyncInvocations } from "./handlers/sync-invoke.ts";

export interface ExecutorDeps { nc: NatsConnection; config: ExecutorConfig; log: Logger; tracer: Tracer; runtime?: SandboxRuntime }
export interface Executor { readonly runtime: SandboxRuntime; stop(): Promise<void> }

export async function startExecutor(deps: ExecutorDeps): Promise<Executor> {
  const { nc, config, log, tracer } = deps;
  const log2 = log.child({ executorId: config.executorId });
  const runtime = deps.runtime ?? createIsolateRuntime({
    memoryBudgetMb: config.memoryBudgetMb,
    egress: { fetcher: createEgressFetcher({ allow: config.egress.allow }), timeoutMs: config.egress.timeoutMs,
      maxResponseBytes: config.egress.maxResponseBytes, maxPending: config.egress.maxPending },
    hostWork: config.hostWork,
  });
  const jsm = await ensureAsyncStream(nc);
  const code = createCodeCache(await openCodeStore(nc), config.codeCacheMb * 1024 * 1024);
  const limiter = createConcurrencyLimiter(config.concurrency, config.queueDepth);
  const runner = { runtime, code, nc, executorId: config.executorId, log: log2 };
  const health = serveHealth(nc, "executor");
  const sync = serveSyncInvocations({ nc, runner, limiter, log: log2, tracer });
  let async: AsyncConsumer | undefined;
  if (config.consumeAsync) {
    await ensureAsyncConsumer(jsm, config.asyncAckWaitMs);
    async = await consumeAsyncInvocations({ nc, runner, limiter, log: log2, tracer, ackWaitMs: config.asyncAckWaitMs }, config.concurrency);
  }
  await nc.flush();
  health.setReady(true);
  log2.info("executor ready", { concurrency: config.concurrency, consumeAsync: config.consumeAsync });
  return {
    runtime,
    async stop() {
      health.setReady(false, "stopping");
      // Stop taking work, let in-flight invocations finish, then free the isolates.
      await sync.drain();
      await async?.stop();
      health.stop();
      await runtime.close();
    },
  };
}
