/** startExecutor: serves sync invocations and drains async ones over NATS; tests call this too. */
import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamManager } from "@nats-io/jetstream";
import type { Tracer } from "@opentelemetry/api";
import { ASYNC_CONSUMER, ASYNC_STREAM } from "@fnmesh/protocol";
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
  const jsm = await ensureAsyncStream(nc, { replicas: config.jsReplicas });
  const code = createCodeCache(await openCodeStore(nc, { replicas: config.jsReplicas }), config.codeCacheMb * 1024 * 1024);
  const limiter = createConcurrencyLimiter(config.concurrency, config.queueDepth);
  const runner = { runtime, code, nc, executorId: config.executorId, log: log2 };
  const health = serveHealth(nc, "executor");
  const sync = serveSyncInvocations({ nc, runner, limiter, log: log2, tracer });
  let async: AsyncConsumer | undefined;
  if (config.consumeAsync) {
    await ensureAsyncConsumer(jsm, config.asyncAckWaitMs);
    await followAckWait(jsm, config.asyncAckWaitMs, log2);
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

/**
 * The durable consumer outlives executors, and ensureAsyncConsumer keeps an existing one as it is.
 * A restart with a new FNMESH_EXECUTOR_ASYNC_ACK_WAIT_MS must still take effect: the heartbeat that
 * extends the wait runs at half the setting, so a shorter wait left on the consumer would let
 * JetStream redeliver, and run again, an invocation that is still running.
 */
async function followAckWait(jsm: JetStreamManager, ackWaitMs: number, log: Logger): Promise<void> {
  const info = await jsm.consumers.info(ASYNC_STREAM, ASYNC_CONSUMER);
  const currentMs = (info.config.ack_wait ?? 0) / 1e6;
  if (currentMs === ackWaitMs) return;
  await jsm.consumers.update(ASYNC_STREAM, ASYNC_CONSUMER, { ack_wait: ackWaitMs * 1e6 });
  log.warn("async consumer ack wait set to this executor's setting", { fromMs: currentMs, toMs: ackWaitMs });
}
