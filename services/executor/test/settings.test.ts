/**
 * Executor settings that show on NATS and in the executor's own log, with the log captured:
 * cpuTimeMs/hostTimeMs in the "invocation done" event and FNMESH_EXECUTOR_ID. (The async queue's
 * settings belong to the scheduler now: services/scheduler/test.) Functions are published to
 * FUNCTIONS_BUCKET as ingest publishes them and invoked by name, as every caller does.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { zipSync, strToU8 } from "fflate";
import { BUNDLE_FORMAT_VERSION, buildBundle, unpackZip } from "@fnmesh/bundle";
import { catalog, codeKeys, decodeFramed, encodeFramed, type CodeRef, type FunctionSpec, type InvokeRequestInput, type InvokeResult } from "@fnmesh/protocol";
import { openFunctionBucket } from "@fnmesh/registry-view";
import { openCodeStore } from "@fnmesh/service-kit";
import { createLogger, startTelemetry } from "@fnmesh/telemetry";
import { eventually, startNats, type NatsServer } from "@fnmesh/test-harness";
import { loadConfig } from "../src/config.ts";
import { startExecutor, type Executor } from "../src/service.ts";

type LogEvent = Record<string, unknown> & { msg: string };

/** An executor on `server` whose log lines are kept, parsed, in `events`. */
interface LoggedExecutor extends AsyncDisposable {
  nc: NatsConnection;
  executor: Executor;
  events: LogEvent[];
  /** The "invocation done" events logged for `requestId` so far. */
  done(requestId: string): LogEvent[];
  /** Waits for the invocation's "invocation done" event and returns the first. */
  doneEvent(requestId: string, timeoutMs?: number): Promise<LogEvent>;
}

async function startLoggedExecutor(server: NatsServer, env: Record<string, string> = {}): Promise<LoggedExecutor> {
  const nc = await connect({ servers: server.url });
  const events: LogEvent[] = [];
  const telemetry = startTelemetry({ service: "executor-test", write: () => undefined });
  const executor = await startExecutor({
    nc, tracer: telemetry.tracer, config: loadConfig({ NATS_URL: server.url, ...env }),
    log: createLogger({ service: "executor", write: (line) => { events.push(JSON.parse(line) as LogEvent); } }),
  });
  const done = (requestId: string) => events.filter((e) => e.msg === "invocation done" && e.requestId === requestId);
  return {
    nc, executor, events,
    done,
    doneEvent: (requestId, timeoutMs = 10_000) => eventually(() => {
      const [first] = done(requestId);
      assert.ok(first, "not yet");
      return first;
    }, { name: `"invocation done" for ${requestId}`, timeoutMs }),
    async [Symbol.asyncDispose]() {
      await executor.stop();
      await nc.close();
      await telemetry.stop();
    },
  };
}

async function deploy(nc: NatsConnection, source: string): Promise<CodeRef> {
  const built = await buildBundle({ files: unpackZip(zipSync({ "index.mjs": strToU8(source) })), handler: "index.handler" });
  assert.ok(built.ok);
  await (await openCodeStore(nc)).putBlob({ name: codeKeys.bundle(built.sha256) }, new TextEncoder().encode(built.code));
  return { kind: "bundle", sha256: built.sha256, exportPath: built.exportPath, format: BUNDLE_FORMAT_VERSION };
}

/** A function with a fresh name, published to FUNCTIONS_BUCKET; returns the request to invoke it by name. */
async function request(nc: NatsConnection, code: CodeRef, timeoutSec = 30): Promise<{ req: InvokeRequestInput; fn: FunctionSpec }> {
  const name = `fn-${randomUUID().slice(0, 8)}`;
  const fn: FunctionSpec = { name, arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, version: "$LATEST", revisionId: randomUUID(),
    runtime: "nodejs22.x", handler: "index.handler", memoryMb: 128, timeoutSec, env: {}, codeSha256: "x=", code };
  const viewRevision = await (await openFunctionBucket(nc)).put(name, JSON.stringify({ v: 1, name, revisionId: fn.revisionId, state: "Active", spec: fn }));
  return {
    fn,
    req: { v: 2, requestId: randomUUID(), invocationType: "RequestResponse", logType: "None", attempt: 1, acceptedAt: Date.now(),
      function: name, viewRevision, source: { kind: "api" } },
  };
}

async function invokeSync(nc: NatsConnection, { req, fn }: { req: InvokeRequestInput; fn: FunctionSpec }): Promise<InvokeResult> {
  const msg = await nc.request(catalog.invoke.subject(req.function), encodeFramed(catalog.invoke.request, req, strToU8("{}")),
    { timeout: fn.timeoutSec * 1000 + 30_000 });
  return decodeFramed(catalog.invoke.reply, msg.data).envelope;
}

const isNumber = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

describe("the executor's \"invocation done\" event and FNMESH_EXECUTOR_ID", () => {
  let server: NatsServer;
  let ex: LoggedExecutor;
  const executorId = `exec-${randomUUID().slice(0, 8)}`;
  before(async () => {
    server = await startNats();
    ex = await startLoggedExecutor(server, { FNMESH_EXECUTOR_ID: executorId });
  });
  after(async () => {
    await ex?.[Symbol.asyncDispose]();
    await server?.stop();
  });

  test("it carries cpuTimeMs and hostTimeMs, as the result does: host time 0 without host calls, above 0 with URL parsing", async () => {
    const quiet = await request(ex.nc, await deploy(ex.nc, "export const handler = async () => { let s = 0; for (let i = 0; i < 1e5; i++) s += i; return s; };"));
    const parsing = await request(ex.nc, await deploy(ex.nc, `export const handler = async () => { for (let i = 0; i < 50; i++) new URL("https://example.com/" + i); return 1; };`));
    for (const [call, hostCalls] of [[quiet, false], [parsing, true]] as const) {
      const { req } = call;
      const result = await invokeSync(ex.nc, call);
      assert.equal(result.status, "ok", JSON.stringify(result));
      assert.ok(result.status === "ok");
      const event = await ex.doneEvent(req.requestId);
      assert.equal(ex.done(req.requestId).length, 1, "one event per invocation");
      assert.ok(isNumber(event.cpuTimeMs) && event.cpuTimeMs >= 0, `cpuTimeMs in ${JSON.stringify(event)}`);
      assert.ok(isNumber(event.hostTimeMs) && event.hostTimeMs >= 0, `hostTimeMs in ${JSON.stringify(event)}`);
      if (hostCalls) assert.ok(event.hostTimeMs > 0, `hostTimeMs ${event.hostTimeMs} after 50 URL parses`);
      else assert.equal(event.hostTimeMs, 0);
      assert.equal(event.cpuTimeMs, result.cpuTimeMs);
      assert.equal(event.hostTimeMs, result.hostTimeMs);
    }
  });

  test("FNMESH_EXECUTOR_ID names the executor in results and on its log lines", async () => {
    const call = await request(ex.nc, await deploy(ex.nc, "export const handler = async () => 1;"));
    const { req } = call;
    const result = await invokeSync(ex.nc, call);
    assert.ok(result.status === "ok", JSON.stringify(result));
    assert.equal(result.executorId, executorId);
    assert.equal((await ex.doneEvent(req.requestId)).executorId, executorId);
    const ready = ex.events.find((e) => e.msg === "executor ready");
    assert.equal(ready?.executorId, executorId);
  });
});
