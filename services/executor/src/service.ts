/**
 * startExecutor: runs every invocation of the mesh that reaches `fnmesh.invoke.<fn>` — resolving
 * names from its own watch of FUNCTIONS_BUCKET (never the database) — and reports health. The async
 * queue is the scheduler's; executors only run what it dispatches. Tests call this too.
 */
import type { NatsConnection } from "@nats-io/transport-node";
import type { Tracer } from "@opentelemetry/api";
import { createEgressFetcher, createIsolateRuntime, type SandboxRuntime } from "@fnmesh/sandbox";
import { openFunctionBucket, startFunctionResolver } from "@fnmesh/registry-view";
import { createLedgerClient, openConcurrencyBucket } from "@fnmesh/concurrency";
import { openCodeStore, serveHealth } from "@fnmesh/service-kit";
import type { Logger } from "@fnmesh/telemetry";
import { localAdmission, meshAdmission } from "./admission.ts";
import { createCodeCache } from "./code-cache.ts";
import { acceptCodePushes } from "./code-push.ts";
import { createCodePrefetch } from "./code-prefetch.ts";
import { createConcurrencyLimiter } from "./concurrency-limiter.ts";
import type { ExecutorConfig } from "./config.ts";
import { serveSyncInvocations } from "./handlers/sync-invoke.ts";
import { createOutbox } from "./outbox.ts";
import { createRecentRuns } from "./recent-runs.ts";
import { createRunWindows, defaultRunWindow } from "./run-window.ts";
import { watchCpuSaturation } from "./cpu-saturation.ts";

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
  const code = createCodeCache(await openCodeStore(nc, { replicas: config.jsReplicas }), config.codeCacheMb * 1024 * 1024);
  // Deploys push new bundles before writing the view, so prefetch rarely fetches.
  const pushes = acceptCodePushes(nc, code, log2.child({ component: "code-push" }));
  // A function's code is fetched and compiled when its view changes, before its first invocation.
  const prefetch = createCodePrefetch({ code, runtime, log: log2.child({ component: "code-prefetch" }) });
  const resolver = startFunctionResolver({ kv: await openFunctionBucket(nc, { replicas: config.jsReplicas }), nc,
    log: log2.child({ component: "function-views" }), onView: (view) => prefetch.onView(view) });
  await resolver.ready;
  prefetch.start();
  const limiter = createConcurrencyLimiter(config.concurrency, config.queueDepth);
  // Limits counted across every executor: this process is one holder in the mesh's ledgers.
  const ledger = createLedgerClient({ kv: await openConcurrencyBucket(nc, { replicas: config.jsReplicas }), holderId: config.executorId,
    log: log2.child({ component: "concurrency" }) });
  const admission = meshAdmission({ ledger, maxConcurrency: config.maxConcurrency, reservedTotal: () => resolver.reservedTotal,
    local: localAdmission(limiter) });
  const runner = { runtime, code, nc, executorId: config.executorId, log: log2 };
  const health = serveHealth(nc, "executor");
  const outbox = createOutbox(nc);
  // Longer than the scheduler's longest ack wait (10 min), after which a dead replica's request comes again.
  const recent = createRecentRuns({ ttlMs: 15 * 60_000, maxEntries: 50_000, maxBytes: 64 * 1024 * 1024 });
  const cpu = watchCpuSaturation();
  const windows = createRunWindows({ ...defaultRunWindow, max: config.concurrency, saturated: cpu.saturated });
  const sync = serveSyncInvocations({ nc, runner, resolver, admission, log: log2, tracer, outbox, recent, windows });
  await nc.flush();
  health.setReady(true);
  log2.info("executor ready", { concurrency: config.concurrency });
  return {
    runtime,
    async stop() {
      health.setReady(false, "stopping");
      // Stop taking work, let in-flight invocations finish, then free the isolates.
      await sync.drain();
      outbox.flush();
      // Gives this executor's claims back at once instead of at lease expiry.
      await ledger.stop();
      health.stop();
      await resolver.stop();
      pushes.unsubscribe();
      await prefetch.stop();
      await runtime.close();
      cpu.stop();
    },
  };
}
