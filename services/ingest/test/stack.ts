/**
 * Ingest in this test process (so tests can read its memory and event loop), on a private
 * nats-server and PostgreSQL from the harness, with a real executor as a child process
 * (`services/executor/src/main.ts`, as `make dev` runs it: services meet only on NATS, so ingest's
 * tests do not import the executor, and its CPU stays off this process). Plus clients: the SDK, and
 * a SigV4 signer for raw `node:http` requests the SDK cannot produce.
 *
 * Ingest's and the executor's logs sit in a capped buffer: `printLogsOnFailure(t, { ingest: stack })`
 * (from the harness) prints it when a test fails; FNMESH_TEST_DEBUG=1 streams it.
 */
import { spawn } from "node:child_process";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { fileURLToPath } from "node:url";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { connect } from "@nats-io/transport-node";
import { decodeJson, HealthReply, subjects } from "@fnmesh/protocol";
import { createPool, migrate } from "@fnmesh/store";
import { createLogger, startTelemetry } from "@fnmesh/telemetry";
import { eventually, startNats, startPostgres, type PostgresServer } from "@fnmesh/test-harness";
import { zipSync, strToU8 } from "fflate";
import { loadConfig } from "../src/config.ts";
import { startIngest } from "../src/service.ts";

export const CREDENTIALS = { accessKeyId: "AKIDINGESTTEST", secretAccessKey: "ingest-test-secret" };
const REGION = "us-east-1";
const EXECUTOR_MAIN = fileURLToPath(new URL("../../executor/src/main.ts", import.meta.url));
/** Log lines kept for failure messages. */
const LOG_LINES = 400;

export interface RawResponse { status: number; headers: IncomingHttpHeaders; body: string }

export interface RawRequest {
  method: string;
  /** Path with query, exactly as sent (percent-encoded). */
  path: string;
  headers?: Record<string, string>;
  body?: Uint8Array | string;
  /** Fails the request (and so the test) when no response arrives within this. */
  timeoutMs?: number;
}

export interface SignOptions { contentSha?: boolean; date?: Date; region?: string }

export interface IngestStackOptions {
  /** Added to ingest's environment (what `loadConfig` reads), e.g. `{ FNMESH_DEPLOY_CONCURRENCY: "1" }`. */
  env?: Record<string, string>;
  /**
   * Attempts of `stack.lambda`. Default 1: every answer reaches the test as it is. Tests that reuse
   * keep-alive sockets across long pauses take retries (TOOLCHAIN.md: ingest closes idle sockets after 5 s).
   */
  maxAttempts?: number;
}

/** Another ingest on the stack's NATS and database (a second replica, or the same one restarted). */
export interface ExtraIngest extends AsyncDisposable {
  endpoint: string;
  lambda: LambdaClient;
  stop(): Promise<void>;
}

export interface IngestStack extends AsyncDisposable {
  endpoint: string;
  lambda: LambdaClient;
  postgres: PostgresServer;
  natsUrl: string;
  /** Starts one more ingest in this process on the same NATS and database; stopped with the stack at the latest. */
  startAnotherIngest(options?: { env?: Record<string, string> }): Promise<ExtraIngest>;
  /** Sends a raw request; `sign` adds SigV4 (with x-amz-content-sha256 when `contentSha`). */
  raw(req: RawRequest, sign?: SignOptions): Promise<RawResponse>;
  /** The tail of ingest's and the executor's logs. */
  logs(): string;
}

export function zipOf(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)])));
}

/** An SDK client for the stack's endpoint and credentials; the caller destroys it. */
export function lambdaClient(endpoint: string, maxAttempts: number): LambdaClient {
  return new LambdaClient({ endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts });
}

/** Signs like the SDK (contentSha) or the AWS CLI v2 (no x-amz-content-sha256). */
export async function signHeaders(endpoint: string, req: RawRequest, opts: SignOptions = {}): Promise<Record<string, string>> {
  const url = new URL(req.path, endpoint);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const body = typeof req.body === "string" ? new TextEncoder().encode(req.body) : req.body;
  const signer = new SignatureV4({ service: "lambda", region: opts.region ?? REGION, credentials: CREDENTIALS, sha256: Sha256,
    uriEscapePath: true, applyChecksum: opts.contentSha ?? true });
  const signed = await signer.sign(new HttpRequest({
    method: req.method, protocol: "http:", hostname: url.hostname, port: Number(url.port), path: url.pathname, query,
    headers: { host: url.host, ...req.headers }, ...(body ? { body } : {}),
  }), { signingDate: opts.date ?? new Date() });
  return Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k, String(v)]));
}

function rawRequest(endpoint: string, req: RawRequest, headers: Record<string, string>): Promise<RawResponse> {
  const url = new URL(endpoint);
  const body = typeof req.body === "string" ? Buffer.from(req.body) : req.body;
  const timeoutMs = req.timeoutMs ?? 30_000;
  return new Promise((resolvePromise, reject) => {
    const r = httpRequest({ host: url.hostname, port: Number(url.port), method: req.method, path: req.path, agent: false,
      headers: { ...headers, ...(body ? { "content-length": String(body.length) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => { clearTimeout(timer); resolvePromise({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8") }); });
      res.on("error", (err) => { clearTimeout(timer); reject(err); });
    });
    const timer = setTimeout(() => { r.destroy(); reject(new Error(`no response within ${timeoutMs} ms: ${req.method} ${req.path.slice(0, 200)}`)); }, timeoutMs);
    r.on("error", (err) => { clearTimeout(timer); reject(err); });
    r.end(body);
  });
}

export async function startIngestStack(options: IngestStackOptions = {}): Promise<IngestStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const debug = process.env.FNMESH_TEST_DEBUG === "1";
  const logLines: string[] = [];
  const keep = (line: string) => { logLines.push(line); if (logLines.length > LOG_LINES) logLines.shift(); if (debug) process.stderr.write(line); };
  try {
    const nats = await startNats();
    cleanups.push(() => nats.stop());
    const postgres = await startPostgres({ migrate: async (url) => { await migrate(url); } });
    cleanups.push(() => postgres.stop());
    const db = await postgres.testDatabase();
    // The server may have been stopped by the test: dropping the database then has nothing to do.
    cleanups.push(() => db[Symbol.asyncDispose]().catch(() => undefined));

    const executor = spawnExecutor(nats.url, debug, keep);
    cleanups.push(() => executor.stop());
    await executorReady(nats.url);

    const telemetry = startTelemetry({ service: "ingest-test", write: keep });
    cleanups.push(() => telemetry.stop());
    /** One ingest with its own NATS connection and pool, as a separate process would have. */
    const launch = async (service: string, env: Record<string, string> | undefined): Promise<ExtraIngest> => {
      const own: (() => Promise<unknown>)[] = [];
      const stopOwn = async () => { for (const cleanup of own.splice(0).reverse()) await cleanup(); };
      try {
        const nc = await connect({ servers: nats.url, name: service });
        own.push(() => nc.close());
        const pool = createPool(db.url, () => undefined);
        own.push(() => pool.end());
        const ingest = await startIngest({ nc, pool, log: createLogger({ service, write: keep }), tracer: telemetry.tracer,
          config: loadConfig({ NATS_URL: nats.url, DATABASE_URL: db.url, FNMESH_HTTP_PORT: "0", FNMESH_REGION: REGION,
            FNMESH_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, FNMESH_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, ...env }) });
        own.push(() => ingest.stop());
        const lambda = lambdaClient(ingest.url, options.maxAttempts ?? 1);
        own.push(async () => lambda.destroy());
        return { endpoint: ingest.url, lambda, stop: stopOwn, [Symbol.asyncDispose]: stopOwn };
      } catch (err) {
        await stopOwn().catch(() => undefined);
        throw err;
      }
    };
    const main = await launch("ingest", options.env);
    cleanups.push(() => main.stop());
    const ingest = { url: main.endpoint };
    const lambda = main.lambda;
    return {
      endpoint: ingest.url, lambda, postgres, natsUrl: nats.url,
      async startAnotherIngest(extra = {}) {
        const another = await launch("ingest-2", { ...options.env, ...extra.env });
        cleanups.push(() => another.stop());
        return another;
      },
      async raw(req, sign) {
        const headers = sign ? await signHeaders(ingest.url, req, sign) : { ...req.headers };
        return rawRequest(ingest.url, req, headers);
      },
      logs: () => logLines.join(""),
      async [Symbol.asyncDispose]() {
        for (const cleanup of cleanups.reverse()) await cleanup();
      },
    };
  } catch (err) {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    throw new Error(`the ingest stack did not start: ${(err as Error).message}\n${logLines.join("")}`, { cause: err });
  }
}

/** Waits until the executor answers its health request as ready (the first invoke needs it). */
async function executorReady(natsUrl: string): Promise<void> {
  const observer = await connect({ servers: natsUrl, name: "ingest-test-observer" });
  try {
    await eventually(async () => {
      const msg = await observer.request(subjects.health("executor"), undefined, { timeout: 1_000 });
      if (!decodeJson(HealthReply, msg.data, "health").ready) throw new Error("executor not ready");
    }, { name: "executor answers ready", timeoutMs: 60_000 });
  } finally {
    await observer.close();
  }
}

function spawnExecutor(natsUrl: string, debug: boolean, log: (line: string) => void): { stop(): Promise<void> } {
  const child = spawn(process.execPath, ["--no-node-snapshot", EXECUTOR_MAIN], {
    env: { ...process.env, NATS_URL: natsUrl, FNMESH_LOG_LEVEL: debug ? "debug" : "warn" }, stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.on("data", (c: Buffer) => log(`[executor] ${c.toString()}`));
  child.stderr.on("data", (c: Buffer) => log(`[executor] ${c.toString()}`));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
