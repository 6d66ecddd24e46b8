/**
 * A real executor on a real nats-server, driven the way ingest drives it: bundles in the code
 * object store, framed invoke requests on `fnmesh.invoke.<fn>`.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connect, headers as natsHeaders, type MsgHdrs, type NatsConnection } from "@nats-io/transport-node";
import { zipSync, strToU8 } from "fflate";
import { BUNDLE_FORMAT_VERSION, buildBundle, unpackZip } from "@fnmesh/bundle";
import {
  catalog, codeKeys, decodeFramed, decodeJson, encodeFramed, LogBatch,
  type CodeRef, type FunctionSpec, type InvokeRequestInput, type InvokeResult,
} from "@fnmesh/protocol";
import { openFunctionBucket } from "@fnmesh/registry-view";
import { openCodeStore } from "@fnmesh/service-kit";
import { createLogger, startTelemetry } from "@fnmesh/telemetry";
import { eventually, startNats, type NatsServer } from "@fnmesh/test-harness";
import { loadConfig } from "../src/config.ts";
import { startExecutor, type Executor } from "../src/service.ts";

export interface ExecutorHarness extends AsyncDisposable {
  nc: NatsConnection;
  executor: Executor;
  /** Bundles `files` (default entry index.mjs / index.handler) and stores the bundle; returns its CodeRef. */
  deploy(files: Record<string, string> | string, handler?: string): Promise<CodeRef>;
  /** A FunctionSpec with fresh name and revision unless overridden. */
  spec(code: CodeRef, overrides?: Partial<FunctionSpec>): FunctionSpec;
  /** Publishes the spec's FunctionView to FUNCTIONS_BUCKET (as ingest does); returns its revision. */
  publish(fn: FunctionSpec, extra?: { reservedConcurrency?: number }): Promise<number>;
  /** Publishes `fn` (once per revisionId) and invokes it by name on `fnmesh.invoke.<fn>`, as every caller does. */
  invoke(fn: FunctionSpec, event?: unknown, options?: { headers?: MsgHdrs; logType?: "None" | "Tail"; rawPayload?: Uint8Array; clientContext?: string }): Promise<Invoked>;
}

export interface Invoked {
  result: InvokeResult;
  /** The response body as text (the handler's JSON, or the function error document). */
  body: string;
  /** Parsed body. */
  json: unknown;
  /** Decoded log tail when logType was Tail. */
  log: string;
}

export async function startExecutorHarness(env: Record<string, string> = {}): Promise<ExecutorHarness> {
  const server: NatsServer = await startNats();
  const nc = await connect({ servers: server.url });
  const quiet = () => undefined;
  const telemetry = startTelemetry({ service: "executor-test", write: quiet });
  const executor = await startExecutor({
    nc, log: createLogger({ service: "executor", write: quiet }), tracer: telemetry.tracer,
    config: loadConfig({ NATS_URL: server.url, ...env }),
  });
  const store = await openCodeStore(nc);
  const kv = await openFunctionBucket(nc);
  const published = new Map<string, number>();
  const publish = async (fn: FunctionSpec, extra: { reservedConcurrency?: number } = {}) => {
    const view = { v: 1, name: fn.name, revisionId: fn.revisionId, state: "Active", spec: fn, ...extra };
    const revision = await kv.put(fn.name, JSON.stringify(view));
    published.set(fn.revisionId, revision);
    return revision;
  };
  return {
    nc,
    executor,
    async deploy(files, handler = "index.handler") {
      const map = typeof files === "string" ? { "index.mjs": files } : files;
      const zip = zipSync(Object.fromEntries(Object.entries(map).map(([k, v]) => [k, strToU8(v)])));
      const built = await buildBundle({ files: unpackZip(zip), handler });
      if (!built.ok) return { kind: "error", errorType: built.errorType, errorMessage: built.errorMessage };
      await store.putBlob({ name: codeKeys.bundle(built.sha256) }, new TextEncoder().encode(built.code));
      return { kind: "bundle", sha256: built.sha256, exportPath: built.exportPath, format: BUNDLE_FORMAT_VERSION };
    },
    spec(code, overrides = {}) {
      const name = overrides.name ?? `fn-${randomUUID().slice(0, 8)}`;
      return {
        name, arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, version: "$LATEST", revisionId: randomUUID(),
        runtime: "nodejs22.x", handler: "index.handler", memoryMb: 128, timeoutSec: 3, env: {}, codeSha256: "unused=", code,
        ...overrides,
      };
    },
    publish,
    async invoke(fn, event = {}, options = {}) {
      const viewRevision = published.get(fn.revisionId) ?? await publish(fn);
      const request: InvokeRequestInput = {
        v: 2, requestId: randomUUID(), invocationType: "RequestResponse", logType: options.logType ?? "Tail",
        acceptedAt: Date.now(), function: fn.name, viewRevision, source: { kind: "api" },
        ...(options.clientContext ? { clientContext: options.clientContext } : {}),
      };
      const payload = options.rawPayload ?? new TextEncoder().encode(JSON.stringify(event));
      const msg = await nc.request(subjects(fn.name), encodeFramed(catalog.invoke.request, request, payload),
        { timeout: fn.timeoutSec * 1000 + 30_000, headers: options.headers ?? natsHeaders() });
      const { envelope, payload: out } = decodeFramed(catalog.invoke.reply, msg.data);
      const body = new TextDecoder().decode(out);
      let json: unknown;
      try { json = body === "" ? undefined : JSON.parse(body); } catch { json = undefined; }
      const log = envelope.status !== "error" && envelope.logTail ? Buffer.from(envelope.logTail, "base64").toString("utf8") : "";
      return { result: envelope, body, json, log };
    },
    async [Symbol.asyncDispose]() {
      await executor.stop();
      await nc.close();
      await server.stop();
    },
  };
}

function subjects(name: string): string {
  return catalog.invoke.subject(name);
}

/** Asserts a function error and returns its document. */
export function functionError(inv: Invoked): { errorType: string; errorMessage: string; trace?: string[] } {
  assert.equal(inv.result.status, "function_error", `expected a function error, got ${inv.result.status}: ${inv.body}`);
  return inv.json as { errorType: string; errorMessage: string; trace?: string[] };
}

/** Asserts success and returns the parsed result. */
export function okResult(inv: Invoked): unknown {
  assert.equal(inv.result.status, "ok", `expected ok, got ${inv.result.status}: ${inv.body}`);
  return inv.json;
}

/** Deploys `files` and returns a fresh FunctionSpec for them; `overrides.handler` names the entry (default index.handler). */
export async function deployFunction(
  h: ExecutorHarness, files: Record<string, string> | string, overrides: Partial<FunctionSpec> = {},
): Promise<FunctionSpec> {
  const handler = overrides.handler ?? "index.handler";
  return h.spec(await h.deploy(files, handler), { ...overrides, handler });
}

/** Asserts the invocation hit its timeout, with Lambda's error document and log line. */
export function assertTimedOut(inv: Invoked, timeoutSec: number): void {
  const seconds = timeoutSec.toFixed(2);
  assert.deepEqual(functionError(inv), {
    errorType: "Sandbox.Timedout", errorMessage: `RequestId: ${inv.result.requestId} Error: Task timed out after ${seconds} seconds`,
  });
  assert.match(inv.log, new RegExp(`\\n\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z ${inv.result.requestId} Task timed out after ${seconds.replace(".", "\\.")} seconds\\n`));
}

/**
 * Asserts the invocation exceeded its memory limit (`memoryMb`). The errorType and the
 * `RequestId: <id> Error: Runtime exited…` form are Lambda's (REPORT "Error Type: Runtime.OutOfMemory";
 * the runtime-exit document in AWS re:Post "lambda-runtime-error"); the reason after it is fnmesh's,
 * since no process is killed: docs/lambda-differences.md.
 */
export function assertOutOfMemory(inv: Invoked, memoryMb: number): void {
  assert.deepEqual(functionError(inv), {
    errorType: "Runtime.OutOfMemory",
    errorMessage: `RequestId: ${inv.result.requestId} Error: Runtime exited: JavaScript heap limit of ${memoryMb} MB exceeded`,
  });
}

/** The lines an executor publishes on `fnmesh.logs.<function>`, collected from the moment of the call. */
export interface LogWatch extends Disposable {
  readonly lines: string[];
  /** Waits until a line `match` accepts has arrived and returns it. */
  waitFor(match: (line: string) => boolean, what: string): Promise<string>;
}

/** Watches `fnmesh.logs.<functionName>`; call before invoking so no line is missed. */
export async function watchLogs(h: ExecutorHarness, functionName: string): Promise<LogWatch> {
  const lines: string[] = [];
  const sub = h.nc.subscribe(catalog.logs.subject(functionName), { callback: (_e, m) => { for (const e of decodeJson(LogBatch, m.data).events) lines.push(e.line); } });
  await h.nc.flush();
  return {
    lines,
    waitFor: (match, what) => eventually(() => {
      const line = lines.find(match);
      assert.ok(line !== undefined, `no such line yet among ${lines.length}`);
      return line;
    }, { name: what, timeoutMs: 60_000 }),
    [Symbol.dispose]() { sub.unsubscribe(); },
  };
}

/** The invocation's `cold` flag (absent on platform errors). */
export function isCold(inv: Invoked): boolean | undefined {
  return inv.result.status === "error" ? undefined : inv.result.cold;
}

/**
 * Asserts the executor still serves: a fresh function answers cold then warm, nothing is stuck
 * busy, and the runtime's counters and idle heap are within bounds.
 */
export async function assertExecutorHealthy(h: ExecutorHarness, expect: { minColdStarts: number; maxHeapBytes?: number }): Promise<void> {
  const fn = await deployFunction(h, `export const handler = async (event) => ({ echo: event, sum: [1, 2, 3].reduce((a, b) => a + b) });`);
  const first = await h.invoke(fn, { hello: "world" });
  assert.deepEqual(okResult(first), { echo: { hello: "world" }, sum: 6 });
  assert.equal(isCold(first), true);
  const second = await h.invoke(fn, { again: true });
  assert.deepEqual(okResult(second), { echo: { again: true }, sum: 6 });
  assert.equal(isCold(second), false);

  const stats = h.executor.runtime.stats();
  const shown = JSON.stringify(stats);
  assert.equal(stats.busy, 0, shown);
  assert.equal(stats.idle, stats.isolates, shown);
  assert.ok(stats.isolates >= 1 && stats.isolates <= stats.coldStarts, shown);
  assert.ok(stats.functions >= 1 && stats.functions <= stats.isolates, shown);
  assert.ok(stats.coldStarts >= expect.minColdStarts && stats.warmStarts >= 1, shown);
  // Idle isolates stay within the executor's memory budget (1 GiB by default).
  assert.ok(stats.heapBytes > 0 && stats.heapBytes <= (expect.maxHeapBytes ?? 1024 * 1024 * 1024), shown);
}
