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
import { startScheduler } from "../../../services/scheduler/src/service.ts";
import { startTrigger } from "../../../services/trigger/src/service.ts";

export const CREDENTIALS = { accessKeyId: "AKIDE2ETEST", secretAccessKey: "e2e-secret-key" };

export interface Stack extends AsyncDisposable {
  endpoint: string;
  lambda: LambdaClient;
  /** A client for observing NATS subjects (e.g. logs) in assertions. */
  nc: NatsConnection;
  client(credentials?: { accessKeyId: string; secretAccessKey: string }): LambdaClient;
}

export async function startStack(options: { executorEnv?: Record<string, string> } = {}): Promise<Stack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const nats: NatsServer = await startNats();
  cleanups.push(() => nats.stop());
  const postgres: PostgresServer = await startPostgres({ migrate: async (url) => { await migrate(url); } });
  cleanups.push(() => postgres.stop());
  const db = await postgres.testDatabase();
  cleanups.push(() => db[Symbol.asyncDispose]());

  const debug = process.env.FNMESH_TEST_DEBUG === "1";
  const quiet = (line: string) => { if (debug) process.stderr.write(line); };
  const telemetry = startTelemetry({ service: "e2e", write: quiet });
  const env = {
    NATS_URL: nats.url, DATABASE_URL: db.url, FNMESH_HTTP_PORT: "0",
    FNMESH_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, FNMESH_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey,
    ...options.executorEnv,
  };
  const conns: NatsConnection[] = [];
  const conn = async (name: string) => { const c = await connect({ servers: nats.url, name }); conns.push(c); return c; };

  const executor = await startExecutor({ nc: await conn("executor"), config: loadExecutorConfig(env),
    log: createLogger({ service: "executor", write: quiet }), tracer: telemetry.tracer });
  const scheduler = await startScheduler({ nc: await conn("scheduler"), log: createLogger({ service: "scheduler", write: quiet }) });
  const trigger = await startTrigger({ nc: await conn("trigger"), log: createLogger({ service: "trigger", write: quiet }) });
  const pool = createPool(db.url, () => undefined);
  const ingest = await startIngest({ nc: await conn("ingest"), pool, config: loadIngestConfig(env),
    log: createLogger({ service: "ingest", write: quiet }), tracer: telemetry.tracer });
  const observer = await conn("observer");

  const client = (credentials = CREDENTIALS) => new LambdaClient({
    endpoint: ingest.url, region: "us-east-1", credentials, maxAttempts: 1,
  });
  const lambda = client();
  const stop = async () => {
    lambda.destroy();
    await ingest.stop();
    await executor.stop();
    await scheduler.stop();
    await trigger.stop();
    await pool.end();
    for (const c of conns) await c.close();
    for (const cleanup of cleanups.reverse()) await cleanup();
  };
  return { endpoint: ingest.url, lambda, nc: observer, client, [Symbol.asyncDispose]: stop };
}
