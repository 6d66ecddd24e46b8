/**
 * Ingest in this test process (so its memory is `process.memoryUsage()`), on a private nats-server
 * and PostgreSQL from the harness, with a real executor in a child process (services meet only on
 * NATS, so ingest's tests do not import the executor). Plus clients: the SDK, and a SigV4 signer for
 * raw `node:http` requests the SDK cannot produce.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { resolve } from "node:path";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { Sha256 } from "@aws-crypto/sha256-js";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { decodeJson, HealthReply, subjects } from "@fnmesh/protocol";
import { createPool, migrate } from "@fnmesh/store";
import { createLogger, startTelemetry } from "@fnmesh/telemetry";
import { eventually, startNats, startPostgres, type NatsServer, type PostgresServer } from "@fnmesh/test-harness";
import { zipSync, strToU8 } from "fflate";
import { loadConfig } from "../src/config.ts";
import { startIngest } from "../src/service.ts";

export const CREDENTIALS = { accessKeyId: "AKIDINGESTTEST", secretAccessKey: "ingest-test-secret" };
export const REGION = "us-east-1";

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

export interface IngestStack extends AsyncDisposable {
  endpoint: string;
  lambda: LambdaClient;
  postgres: PostgresServer;
  /** Sends a raw request; `sign` adds SigV4 (with x-amz-content-sha256 when `contentSha`). */
  raw(req: RawRequest, sign?: { contentSha?: boolean; date?: Date; region?: string }): Promise<RawResponse>;
  /** Server and executor logs, for failure messages. */
  logs(): string;
}

export function zipOf(files: Record<string, string>): Uint8Array {
  return zipSync(Object.fromEntries(Object.entries(files).map(([path, text]) => [path, strToU8(text)])));
}

/** Signs like the SDK (contentSha) or the AWS CLI v2 (no x-amz-content-sha256). */
export async function signHeaders(endpoint: string, req: RawRequest, opts: { contentSha?: boolean; date?: Date; region?: string } = {}): Promise<Record<string, string>> {
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

export function rawRequest(endpoint: string, req: RawRequest, headers: Record<string, string>): Promise<RawResponse> {
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

export async function startIngestStack(): Promise<IngestStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const logLines: string[] = [];
  const keep = (line: string) => { logLines.push(line); if (logLines.length > 400) logLines.shift(); if (process.env.FNMESH_TEST_DEBUG === "1") process.stderr.write(line); };
  try {
    const nats: NatsServer = await startNats();
    cleanups.push(() => nats.stop());
    const postgres = await startPostgres({ migrate: async (url) => { await migrate(url); } });
    cleanups.push(() => postgres.stop());
    const db = await postgres.testDatabase();
    // The server may have been stopped by the test: dropping the database then has nothing to do.
    cleanups.push(() => db[Symbol.asyncDispose]().catch(() => undefined));

    const executor = spawnExecutor(nats.url, keep);
    cleanups.push(() => executor.stop());
    const observer = await connect({ servers: nats.url, name: "ingest-test-observer" });
    cleanups.push(() => observer.close());
    await eventually(async () => {
      const msg = await observer.request(subjects.health("executor"), undefined, { timeout: 1_000 });
      if (!decodeJson(HealthReply, msg.data, "health").ready) throw new Error("executor not ready");
    }, { name: "executor answers ready", timeoutMs: 60_000 });

    const telemetry = startTelemetry({ service: "ingest-test", write: keep });
    const nc = await connect({ servers: nats.url, name: "ingest" });
    cleanups.push(() => nc.close());
    const pool = createPool(db.url, () => undefined);
    cleanups.push(() => pool.end());
    const ingest = await startIngest({ nc, pool, log: createLogger({ service: "ingest", write: keep }), tracer: telemetry.tracer,
      config: loadConfig({ NATS_URL: nats.url, DATABASE_URL: db.url, FNMESH_HTTP_PORT: "0", FNMESH_REGION: REGION,
        FNMESH_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, FNMESH_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey }) });
    cleanups.push(() => ingest.stop());
    const lambda = new LambdaClient({ endpoint: ingest.url, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 });
    cleanups.push(async () => lambda.destroy());
    return {
      endpoint: ingest.url, lambda, postgres,
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
    throw err;
  }
}

function spawnExecutor(natsUrl: string, log: (line: string) => void): { stop(): Promise<void> } {
  const main = resolve(import.meta.dirname, "../../executor/src/main.ts");
  const child: ChildProcess = spawn(process.execPath, ["--no-node-snapshot", main], {
    env: { ...process.env, NATS_URL: natsUrl, FNMESH_LOG_LEVEL: "warn" }, stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (c: Buffer) => log(`[executor] ${c.toString()}`));
  child.stderr?.on("data", (c: Buffer) => log(`[executor] ${c.toString()}`));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  return {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exited;
    },
  };
}
