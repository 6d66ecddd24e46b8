/** startIngest: the API server over an open NATS connection and Postgres pool; tests call this too. */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { getRequestListener } from "@hono/node-server";
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import type { Tracer } from "@opentelemetry/api";
import type pg from "pg";
import { createInvokeClient } from "@fnmesh/invoke";
import { createFunctionStore } from "@fnmesh/store";
import { openFunctionBucket, startFunctionResolver } from "@fnmesh/registry-view";
import { ensureAsyncStream, ensureEventSourceStreams, openCodeStore, serveHealth } from "@fnmesh/service-kit";
import type { Logger } from "@fnmesh/telemetry";
import { createApp } from "./app.ts";
import { answerClientError, requestErrorResponse } from "./client-error.ts";
import { createCodeArtifacts } from "./code-artifacts.ts";
import { createDeployPool } from "./deploy/deploy-pool.ts";
import { createInFlight } from "./in-flight.ts";
import { createViewPublisher } from "./registry/view-publisher.ts";
import { startScheduleRegistry } from "./schedules/registry.ts";
import { startEventSourceRegistry } from "./event-sources/registry.ts";
import type { IngestConfig } from "./config.ts";

/** How long shutdown waits for in-flight requests. */
const SHUTDOWN_GRACE_MS = 30_000;
/** How long start waits for the function views to load before giving up. */
const VIEWS_LOAD_TIMEOUT_MS = 30_000;

export interface IngestDeps { nc: NatsConnection; pool: pg.Pool; config: IngestConfig; log: Logger; tracer: Tracer }
export interface Ingest { url: string; stop(): Promise<void> }

export async function startIngest(deps: IngestDeps): Promise<Ingest> {
  const { nc, pool, config, log } = deps;
  await ensureAsyncStream(nc, { replicas: config.jsReplicas });
  // The S3 webhook publishes to FNMESH_S3.
  if (config.s3WebhookToken) await ensureEventSourceStreams(nc, { replicas: config.jsReplicas });
  const codeStore = await openCodeStore(nc, { replicas: config.jsReplicas });
  // Invocations resolve functions from this watch of FUNCTIONS_BUCKET, never from PostgreSQL.
  const kv = await openFunctionBucket(nc, { replicas: config.jsReplicas });
  const resolver = startFunctionResolver({ kv, nc, log: log.child({ component: "function-views" }) });
  await loaded(resolver.ready, () => resolver.stop());
  const account = { region: config.region, accountId: config.accountId };
  const functions = createFunctionStore(pool);
  // Ingest owns the registry: it alone writes the bucket, after each PostgreSQL write and in reconciliations.
  const views = createViewPublisher({ kv, functions, resolver, account, log: log.child({ component: "function-views" }) });
  views.start();
  // EventBridge Scheduler's schedules: PostgreSQL rows published to SCHEDULES_BUCKET for the schedulers.
  const schedules = await startScheduleRegistry({ nc, pool, account, log, replicas: config.jsReplicas });
  // Lambda's event source mappings: PostgreSQL rows published to EVENT_SOURCES_BUCKET for the trigger replicas.
  const eventSources = await startEventSourceRegistry({ nc, pool, functions, account, log, replicas: config.jsReplicas });
  const health = serveHealth(nc, "ingest");
  let ready = false;
  const inFlight = createInFlight();
  const deployPool = createDeployPool({ size: config.deploy.concurrency, queueDepth: config.deploy.queueDepth, log });
  const app = createApp({
    pool,
    inFlight,
    codeStore,
    schedules: schedules.routes,
    eventSources: eventSources.routes,
    credentials: config.credentials,
    ...(config.s3WebhookToken ? { s3WebhookToken: config.s3WebhookToken } : {}),
    isReady: () => ready,
    resources: {
      functions, resolver, views, artifacts: createCodeArtifacts(deployPool, { natsUrl: config.natsUrl, replicas: config.jsReplicas }), nc, js: jetstream(nc), invoker: createInvokeClient(nc),
      account, log, tracer: deps.tracer, defaultRole: config.defaultRole, maxConcurrency: config.maxConcurrency,
      codeLinkSecret: config.credentials.secretAccessKey,
    },
  });
  const server: Server = createServer(getRequestListener(app.fetch, { errorHandler: requestErrorResponse }));
  // Oversized header blocks and unparsable requests get an AWS-shaped error, not Node's bare line.
  server.on("clientError", answerClientError);
  // Long sync invokes (up to 900 s) must not be cut by Node's default request timeout.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(config.port, config.host, () => resolve());
    });
  } catch (err) {
    await eventSources.stop();
    await schedules.stop();
    await views.stop();
    await resolver.stop();
    await deployPool.stop();
    health.stop();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host}:${port}`;
  ready = true;
  health.setReady(true);
  log.info("ingest listening", { url });
  return {
    url,
    async stop() {
      ready = false;
      health.setReady(false, "stopping");
      const closed = new Promise<void>((resolve) => { server.close(() => resolve()); server.closeIdleConnections(); });
      // Requests already accepted finish (publishes, writes) before the pool and NATS go away.
      if (!(await inFlight.idle(SHUTDOWN_GRACE_MS))) log.warn("stopping with requests still in flight", { count: inFlight.count });
      server.closeAllConnections();
      await closed;
      await deployPool.stop();
      await eventSources.stop();
      await schedules.stop();
      await views.stop();
      await resolver.stop();
      health.stop();
    },
  };
}

async function loaded(ready: Promise<void>, abandon: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`function views did not load from NATS KV within ${VIEWS_LOAD_TIMEOUT_MS / 1000} s`)), VIEWS_LOAD_TIMEOUT_MS);
  });
  try {
    await Promise.race([ready, timeout]);
  } catch (err) {
    await abandon();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
