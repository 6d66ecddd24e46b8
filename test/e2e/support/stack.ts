/**
 * The whole mesh in this test process, on servers from the harness: ingest, executor, scheduler,
 * trigger started through their `start*` functions exactly as their `main.ts` does.
 */
import { LambdaClient } from "@aws-sdk/client-lambda";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startNats, startPostgres, type NatsServer, type PostgresServer } from "@fnmesh/test-harness";
import { createPool, migrate } from "@fnmesh/store";
import { createLogger, startTelemetry } from "@fnmesh/telemetry";
import { loadConfig as loadIngestConfig } from "../../../services/ingest/src/config.ts";
import { startIngest } from "../../../services/ingest/src/service.ts";
import { loadConfig as loadExecutorConfig } from "../../../services/executor/src/config.ts";
import { startExecutor } from "../../../services/executor/src/service.ts";
import { loadConfig as loadSchedulerConfig } from "../../../services/scheduler/src/config.ts";
import { startScheduler } from "../../../services/scheduler/src/service.ts";
import { loadConfig as loadTriggerConfig } from "../../../services/trigger/src/config.ts";
import { startTrigger, type Trigger } from "../../../services/trigger/src/service.ts";

export const CREDENTIALS = { accessKeyId: "AKIDE2ETEST", secretAccessKey: "e2e-secret-key" };

export interface StackOptions {
  /** Variables for the executor only (e.g. FNMESH_EGRESS_ALLOW, FNMESH_EXECUTOR_CONCURRENCY). */
  executorEnv?: Record<string, string>;
  /** Variables for ingest only (e.g. FNMESH_REGION, FNMESH_ACCOUNT_ID, FNMESH_DEFAULT_ROLE). */
  ingestEnv?: Record<string, string>;
  /** Variables for the scheduler only (e.g. FNMESH_ASYNC_RETRY_BASE_MS). */
  schedulerEnv?: Record<string, string>;
  /** false: start no scheduler (nobody consumes FNMESH_ASYNC until the test calls `startScheduler`). */
  scheduler?: boolean;
  /** Variables for the trigger only (e.g. FNMESH_TRIGGER_RETRY_BASE_MS). */
  triggerEnv?: Record<string, string>;
  /** false: start no trigger (a test starts its own through `startTrigger`). */
  trigger?: boolean;
  /** Variables for every service (e.g. FNMESH_JS_REPLICAS); the per-service ones above win. */
  env?: Record<string, string>;
  /** Run on this NATS server or cluster (the caller stops it) instead of starting one. */
  nats?: NatsServer;
}

/** One more executor on the stack's servers; stopping it leaves the rest of the stack running. */
export interface ExtraExecutor extends AsyncDisposable {
  stop(): Promise<void>;
}

export interface Stack extends AsyncDisposable {
  endpoint: string;
  /** The region clients sign for: ingest's FNMESH_REGION (default us-east-1). */
  region: string;
  natsUrl: string;
  lambda: LambdaClient;
  /** A client for observing NATS subjects (e.g. logs) and JetStream in assertions. */
  nc: NatsConnection;
  client(credentials?: { accessKeyId: string; secretAccessKey: string }): LambdaClient;
  /** Starts another executor on the same NATS with these variables (on top of the connection settings). */
  startExecutor(env?: Record<string, string>): Promise<ExtraExecutor>;
  /** Starts another scheduler (the one, with `scheduler: false`) with these variables on top of `schedulerEnv`. */
  startScheduler(env?: Record<string, string>): Promise<ExtraExecutor>;
  /** The stack's trigger (unless `trigger: false`): its mapping table says what it has seen. */
  trigger: Trigger | undefined;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const nats: NatsServer = options.nats ?? await startNats();
  if (options.nats === undefined) cleanups.push(() => nats.stop());
  const postgres: PostgresServer = await startPostgres({ migrate: async (url) => { await migrate(url); } });
  cleanups.push(() => postgres.stop());
  const db = await postgres.testDatabase();
  cleanups.push(() => db[Symbol.asyncDispose]());

  const debug = process.env.FNMESH_TEST_DEBUG === "1";
  const quiet = (line: string) => { if (debug) process.stderr.write(line); };
  const telemetry = startTelemetry({ service: "e2e", write: quiet });
  const base = {
    NATS_URL: nats.url, DATABASE_URL: db.url, FNMESH_HTTP_PORT: "0",
    FNMESH_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, FNMESH_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    ...options.env,
  };
  // As connectNats does: every server of a cluster URL, and reconnecting for as long as it takes.
  const servers = nats.url.split(",");
  const conns: NatsConnection[] = [];
  const conn = async (name: string) => { const c = await connect({ servers, name, maxReconnectAttempts: -1 }); conns.push(c); return c; };

  const extras = new Set<ExtraExecutor>();
  let executorCount = 0;
  const launchExecutor = async (env: Record<string, string>) => {
    const id = `e2e-executor-${++executorCount}`;
    const nc = await connect({ servers, name: id, maxReconnectAttempts: -1 });
    const executor = await startExecutor({ nc, config: loadExecutorConfig({ ...base, FNMESH_EXECUTOR_ID: id, ...env }),
      log: createLogger({ service: "executor", write: quiet }), tracer: telemetry.tracer });
    let stopping: Promise<void> | undefined;
    return {
      stop: () => (stopping ??= (async () => { await executor.stop(); await nc.close(); })()),
    };
  };

  const executor = await launchExecutor(options.executorEnv ?? {});
  const launchScheduler = async (env: Record<string, string>) => {
    const started = await startScheduler({ nc: await conn("scheduler"), config: loadSchedulerConfig({ ...base, ...options.schedulerEnv, ...env }),
      log: createLogger({ service: "scheduler", write: quiet }) });
    let stopping: Promise<void> | undefined;
    const extra: ExtraExecutor = {
      stop: () => (stopping ??= (async () => { extras.delete(extra); await started.stop(); })()),
      [Symbol.asyncDispose]() { return extra.stop(); },
    };
    return extra;
  };
  const scheduler = options.scheduler === false ? undefined : await launchScheduler({});
  const trigger = options.trigger === false ? undefined : await startTrigger({ nc: await conn("trigger"),
    config: loadTriggerConfig({ ...base, ...options.triggerEnv }), log: createLogger({ service: "trigger", write: quiet }) });
  const pool = createPool(db.url, () => undefined);
  const ingestConfig = loadIngestConfig({ ...base, ...options.ingestEnv });
  const ingest = await startIngest({ nc: await conn("ingest"), pool, config: ingestConfig,
    log: createLogger({ service: "ingest", write: quiet }), tracer: telemetry.tracer });
  const observer = await conn("observer");

  const client = (credentials = CREDENTIALS) => new LambdaClient({
    endpoint: ingest.url, region: ingestConfig.region, credentials, maxAttempts: 1,
  });
  const lambda = client();
  const stop = async () => {
    lambda.destroy();
    await ingest.stop();
    for (const extra of extras) await extra.stop();
    await executor.stop();
    await scheduler?.stop();
    await trigger?.stop();
    await pool.end();
    for (const c of conns) await c.close();
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  return {
    endpoint: ingest.url, region: ingestConfig.region, natsUrl: nats.url, lambda, nc: observer, client, trigger,
    async startExecutor(env = {}) {
      const started = await launchExecutor(env);
      const extra: ExtraExecutor = {
        async stop() { extras.delete(extra); await started.stop(); },
        [Symbol.asyncDispose]() { return extra.stop(); },
      };
      extras.add(extra);
      return extra;
    },
    async startScheduler(env = {}) {
      const extra = await launchScheduler(env);
      extras.add(extra);
      return extra;
    },
    [Symbol.asyncDispose]: stop,
  };
}
