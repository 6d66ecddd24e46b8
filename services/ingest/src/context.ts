import type { IncomingMessage } from "node:http";
import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Tracer } from "@opentelemetry/api";
import type { InvokeClient } from "@fnmesh/invoke";
import type { FunctionResolver } from "@fnmesh/registry-view";
import type { FunctionStore } from "@fnmesh/store";
import type { Logger } from "@fnmesh/telemetry";
import type { CodeArtifacts } from "./code-artifacts.ts";
import type { AccountInfo } from "./lambda/function-configuration.ts";
import type { ViewPublisher } from "./registry/view-publisher.ts";

/** What the route handlers share; built once by `startIngest`. */
export interface IngestResources {
  /** The registry in PostgreSQL: the API's reads and writes. Invocations never use it. */
  functions: FunctionStore;
  /** Names to FunctionViews from memory (the FUNCTIONS_BUCKET watch): the invoke path's only lookup. */
  resolver: FunctionResolver;
  /** Publishes each registry change to FUNCTIONS_BUCKET; every write route calls `sync` after PostgreSQL. */
  views: ViewPublisher;
  artifacts: CodeArtifacts;
  /** The one invocation path (sync calls and Event enqueues). */
  invoker: InvokeClient;
  nc: NatsConnection;
  js: JetStreamClient;
  account: AccountInfo;
  log: Logger;
  tracer: Tracer;
  defaultRole: string;
  /** FNMESH_MAX_CONCURRENCY: the account's ConcurrentExecutions, from which reservations are taken. */
  maxConcurrency: number;
  /** Key for GetFunction's time-limited code download links. */
  codeLinkSecret: string;
}

/**
 * Hono variables set by the body/auth middleware; `incoming` is node:http's request when served by
 * @hono/node-server (absent under `app.request` in tests).
 */
export interface IngestEnv { Variables: { body: Uint8Array; op: string; functionName?: string }; Bindings: { incoming?: IncomingMessage } }
