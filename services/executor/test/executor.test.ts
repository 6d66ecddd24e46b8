/**
 * The executor over real NATS, below the HTTP API: trace context from message headers reaches
 * the invocation, bad requests are answered with a reason, saturation is refused, missing code is a
 * retryable platform error. Functions are published to FUNCTIONS_BUCKET and invoked by name. (Dead
 * letters of the async queue are the scheduler's: services/scheduler/test.)
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { zipSync, strToU8 } from "fflate";
import { BUNDLE_FORMAT_VERSION, buildBundle, unpackZip } from "@fnmesh/bundle";
import {
  catalog, codeKeys, decodeFramed, decodeJson, encodeFramed, Header, LogBatch, subjects, type LogEvent,
  type CodeRef, type InvokeRequestInput, type InvokeResult,
} from "@fnmesh/protocol";
import { openFunctionBucket } from "@fnmesh/registry-view";
import { openCodeStore } from "@fnmesh/service-kit";
import { createLogger, startTelemetry } from "@fnmesh/telemetry";
import { eventually, startNats, type NatsServer } from "@fnmesh/test-harness";
import { loadConfig } from "../src/config.ts";
import { startExecutor, type Executor } from "../src/service.ts";

let server: NatsServer;
let nc: NatsConnection;
let executor: Executor;
const quiet = () => undefined;

before(async () => {
  server = await startNats();
  nc = await connect({ servers: server.url });
  const telemetry = startTelemetry({ service: "executor-test", write: quiet });
  executor = await startExecutor({
    nc, log: createLogger({ service: "executor", write: quiet }), tracer: telemetry.tracer,
    config: loadConfig({ NATS_URL: server.url, FNMESH_EXECUTOR_CONCURRENCY: "1", FNMESH_EXECUTOR_QUEUE_DEPTH: "0" }),
  });
});
after(async () => {
  await executor?.stop();
  await nc?.close();
  await server?.stop();
});

async function deploy(source: string): Promise<CodeRef> {
  const built = await buildBundle({ files: unpackZip(zipSync({ "index.mjs": strToU8(source) })), handler: "index.handler" });
  assert.ok(built.ok);
  const store = await openCodeStore(nc);
  await store.putBlob({ name: codeKeys.bundle(built.sha256) }, new TextEncoder().encode(built.code));
  return { kind: "bundle", sha256: built.sha256, exportPath: built.exportPath, format: BUNDLE_FORMAT_VERSION };
}

/** Publishes the function's view (as ingest does) under a name unique to this run. */
async function publish(prefix: string, code: CodeRef, timeoutSec = 5): Promise<{ name: string; viewRevision: number }> {
  const name = `${prefix}-${randomUUID().slice(0, 8)}`;
  const spec = { name, arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, version: "$LATEST", revisionId: randomUUID(),
    runtime: "nodejs22.x", handler: "index.handler", memoryMb: 128, timeoutSec, env: {}, codeSha256: "x=", code };
  const viewRevision = await (await openFunctionBucket(nc)).put(name, JSON.stringify({ v: 1, name, revisionId: spec.revisionId, state: "Active", spec }));
  return { name, viewRevision };
}

function request(fn: { name: string; viewRevision: number }): InvokeRequestInput {
  return {
    v: 2, requestId: randomUUID(), invocationType: "RequestResponse", logType: "None", acceptedAt: Date.now(),
    function: fn.name, viewRevision: fn.viewRevision, source: { kind: "api" },
  };
}

async function invoke(req: InvokeRequestInput, payload = "{}", headers = natsHeaders()): Promise<{ result: InvokeResult; body: string }> {
  const msg = await nc.request(subjects.invoke(req.function), encodeFramed(catalog.invoke.request, req, new TextEncoder().encode(payload)),
    { timeout: 20_000, headers });
  const { envelope, payload: body } = decodeFramed(catalog.invoke.reply, msg.data);
  return { result: envelope, body: new TextDecoder().decode(body) };
}

describe("executor over NATS", () => {
  test("the W3C trace id in the request headers is carried onto every log event of the invocation", async () => {
    const code = await deploy("export const handler = async () => { console.log('traced'); return 1; };");
    const traceId = randomUUID().replace(/-/g, "");
    const h = natsHeaders();
    h.set(Header.TraceParent, `00-${traceId}-${"ab".repeat(8)}-01`);
    const events: LogEvent[] = [];
    const fn = await publish("traced-fn", code);
    const sub = nc.subscribe(subjects.logs(fn.name), { callback: (_e, m) => { events.push(...decodeJson(LogBatch, m.data).events); } });
    const { result } = await invoke(request(fn), "{}", h);
    assert.equal(result.status, "ok");
    await eventually(() => events.some((e) => e.line.startsWith("REPORT")), { name: "log events arrived" });
    sub.unsubscribe();
    assert.ok(events.length >= 4, "START, the console line, END, REPORT");
    for (const e of events) assert.equal(e.traceId, traceId, e.line);
    assert.ok(events.some((e) => e.level === "INFO" && e.line.endsWith("\tINFO\ttraced")));
  });

  test("an undecodable sync request is answered with invalid_message, not dropped", async () => {
    const msg = await nc.request(subjects.invoke("whatever"), new TextEncoder().encode("garbage without envelope"), { timeout: 5_000 });
    const { envelope } = decodeFramed(catalog.invoke.reply, msg.data);
    assert.equal(envelope.status, "error");
    assert.equal(envelope.status === "error" && envelope.error.code, "invalid_message");
  });

  test("past its concurrency and queue, the executor refuses with too_many_requests", async () => {
    // The holder never settles (a timer keeps its event loop alive): it keeps the only slot
    // (concurrency 1, queue 0) until its configured timeout, so no speed is assumed between its
    // START line and the second request.
    const code = await deploy("export const handler = async (e) => { if (e.hold) await new Promise(() => { setInterval(() => {}, 100); }); return 'served'; };");
    const fn = await publish("slow-fn", code, 3);
    const holder = request(fn);
    const starts: string[] = [];
    const sub = nc.subscribe(subjects.logs(fn.name), { callback: (_e, m) => {
      for (const { line } of decodeJson(LogBatch, m.data).events) {
        if (line.startsWith(`START RequestId: ${holder.requestId}`)) starts.push(line);
      }
    } });
    await nc.flush();
    const held = invoke(holder, '{"hold":true}');
    await eventually(() => starts.length === 1, { name: "the holder's START line", timeoutMs: 30_000 });
    sub.unsubscribe();
    const refused = await invoke(request(fn), "{}");
    assert.equal(refused.result.status, "error");
    assert.equal(refused.result.status === "error" && refused.result.error.code, "too_many_requests");
    const ended = await held;
    assert.equal(ended.result.status, "function_error", "the holder ran until its timeout");
    assert.equal(ended.result.status === "function_error" && ended.result.functionError.errorType, "Sandbox.Timedout");
    // The slot is free again.
    const after = await invoke(request(fn), "{}");
    assert.equal(after.body, '"served"');
  });

  test("a repeated request (same request id and attempt) is answered with its run's reply, not run again; a new attempt runs", async () => {
    // Module state counts the runs this isolate made; one executor with one slot keeps one isolate.
    const code = await deploy("let runs = 0; export const handler = async (e) => { runs++; if (e.slow) await new Promise((r) => setTimeout(r, 500)); return { runs }; };");
    const fn = await publish("repeat-fn", code);
    const first = request(fn);
    const starts: string[] = [];
    const sub = nc.subscribe(subjects.logs(fn.name), { callback: (_e, m) => {
      for (const { line } of decodeJson(LogBatch, m.data).events) if (line.startsWith("START")) starts.push(line);
    } });
    await nc.flush();
    const running = invoke(first, '{"slow":true}');
    await eventually(() => starts.length === 1, { name: "the first run's START line" });
    // While it runs (concurrency 1, queue 0: a second run would be refused), and after it ended.
    const joined = await invoke(first, '{"slow":true}');
    const original = await running;
    const later = await invoke(first, '{"slow":true}');
    assert.equal(original.result.status, "ok");
    assert.deepEqual(JSON.parse(original.body), { runs: 1 });
    for (const repeat of [joined, later]) {
      assert.deepEqual(repeat.result, original.result);
      assert.equal(repeat.body, original.body);
    }
    const retry = await invoke({ ...first, attempt: 2 });
    assert.deepEqual(JSON.parse(retry.body), { runs: 2 }, "the next attempt of the same request runs");
    await eventually(() => starts.length === 2, { name: "the retry's START line" });
    sub.unsubscribe();
    assert.equal(starts.filter((l) => l.includes(first.requestId)).length, 2, "one START per attempt, none for the repeats");
  });

  test("a refused request is not remembered: its repeat runs", async () => {
    const fn = await publish("refused-then-run", { kind: "bundle", sha256: "1".repeat(64), exportPath: ["handler"], format: 1 });
    const req = request(fn);
    const refused = await invoke(req);
    assert.equal(refused.result.status === "error" && refused.result.error.code, "code_unavailable");
    // The same request again (its id and attempt), now to a function whose code exists.
    const code = await deploy("export const handler = async () => 'ran';");
    const fixed = await publish("refused-then-run", code);
    const again = await invoke({ ...req, function: fixed.name, viewRevision: fixed.viewRevision });
    assert.equal(again.body, '"ran"');
  });

  test("code missing from the code store is a retryable code_unavailable error", async () => {
    const { result } = await invoke(request(await publish("ghost-fn", { kind: "bundle", sha256: "0".repeat(64), exportPath: ["handler"], format: 1 })));
    assert.equal(result.status, "error");
    if (result.status === "error") {
      assert.equal(result.error.code, "code_unavailable");
      assert.equal(result.error.retryable, true);
    }
  });
});
