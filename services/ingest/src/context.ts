import type { NatsConnection } from "@nats-io/transport-node";
import type { JetStreamClient } from "@nats-io/jetstream";
import type { Tracer } from "@opentelemetry/api";
import type { FunctionStore } from "@fnmesh/store";
import type { Logger } from "@fnmesh/telemetry";
import type { CodeArtifacts } from "./code-artifacts.ts";
import type { AccountInfo } from "./lambda/function-configuration.ts";

/** What the route handlers share; built once by `startIngest`. */
export interface IngestResources {
  functions: FunctionStore;
  artifacts: CodeArtifacts;
  nc: NatsConnection;
  js: JetStreamClient;
  account: AccountInfo;
  log: Logger;
  tracer: Tracer;
  defaultRole: string;
  /** Key for GetFunction's time-limited code download links. */
  codeLinkSecret: string;
}

/** Hono variables set by the body/auth middleware. */
export interface IngestEnv { Variables: { body: Uint8Array; op: string; functionName?: string } }
