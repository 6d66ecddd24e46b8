/**
 * Executor settings that show on NATS and in the executor's own log, with the log captured:
 * cpuTimeMs/hostTimeMs in the "invocation done" event, FNMESH_EXECUTOR_ID, FNMESH_EXECUTOR_CONSUME_ASYNC
 * and FNMESH_EXECUTOR_ASYNC_ACK_WAIT_MS (read back from the durable consumer). Event invocations are
 * published the way ingest publishes them (services/ingest/src/dispatch.ts, invokeAsync).
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, type ConsumerInfo } from "@nats-io/jetstream";
import { zipSync, strToU8 } from "fflate";
import { BUNDLE_FORMAT_VERSION, buildBundle, unpackZip } from "@fnmesh/bundle";
import {
  ASYNC_CONSUMER, ASYNC_STREAM, catalog, codeKeys, decodeFramed, encodeFramed, Header,
  type CodeRef, type InvokeRequestInput, type InvokeResult,
} from "@fnmesh/protocol";
import { ensureAsyncConsumer, openCodeStore } from "@fnmesh/service-kit";
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

function request(code: CodeRef, invocationType: "RequestResponse" | "Event" = "RequestResponse", timeoutSec = 30): InvokeRequestInput {
  const name = `fn-${randomUUID().slice(0, 8)}`;
  return {
    v: 1, requestId: randomUUID(), invocationType, logType: "None", attempt: 1, acceptedAt: Date.now(),
    function: { name, arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, version: "$LATEST", revisionId: randomUUID(),
      runtime: "nodejs22.x", handler: "index.handler", memoryMb: 128, timeoutSec, env: {}, codeSha256: "x=", code },
  };
}

async function invokeSync(nc: NatsConnection, req: InvokeRequestInput): Promise<InvokeResult> {
  const msg = await nc.request(catalog.invoke.subject(req.function.name), encodeFramed(catalog.invoke.request, req, strToU8("{}")),
    { timeout: req.function.timeoutSec * 1000 + 30_000 });
  return decodeFramed(catalog.invoke.reply, msg.data).envelope;
}

/** As ingest queues an Event invoke: on JetStream, de-duplicated by request id, with its header. */
async function publishEvent(nc: NatsConnection, req: InvokeRequestInput): Promise<void> {
  const h = natsHeaders();
  h.set(Header.RequestId, req.requestId);
  await jetstream(nc).publish(catalog.asyncInvoke.subject(req.function.name), encodeFramed(catalog.asyncInvoke.message, req, strToU8("{}")),
    { msgID: req.requestId, headers: h });
}

async function asyncConsumer(nc: NatsConnection): Promise<ConsumerInfo> {
  return (await jetstreamManager(nc)).consumers.info(ASYNC_STREAM, ASYNC_CONSUMER);
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
    const quiet = request(await deploy(ex.nc, "export const handler = async () => { let s = 0; for (let i = 0; i < 1e5; i++) s += i; return s; };"));
    const parsing = request(await deploy(ex.nc, `export const handler = async () => { for (let i = 0; i < 50; i++) new URL("https://example.com/" + i); return 1; };`));
    for (const [req, hostCalls] of [[quiet, false], [parsing, true]] as const) {
      const result = await invokeSync(ex.nc, req);
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
    const req = request(await deploy(ex.nc, "export const handler = async () => 1;"));
    const result = await invokeSync(ex.nc, req);
    assert.ok(result.status === "ok", JSON.stringify(result));
    assert.equal(result.executorId, executorId);
    assert.equal((await ex.doneEvent(req.requestId)).executorId, executorId);
    const ready = ex.events.find((e) => e.msg === "executor ready");
    assert.equal(ready?.executorId, executorId);
  });
});

describe("FNMESH_EXECUTOR_CONSUME_ASYNC", () => {
  test("with false the executor leaves Event invocations on the stream; a consuming executor runs them", async () => {
    await using server = await startNats();
    await using passive = await startLoggedExecutor(server, { FNMESH_EXECUTOR_ID: "passive", FNMESH_EXECUTOR_CONSUME_ASYNC: "false" });
    // The consumer a consuming executor (or a scheduler) would create; nobody pulls from it yet.
    await ensureAsyncConsumer(await jetstreamManager(passive.nc), 60_000);
    assert.equal((await asyncConsumer(passive.nc)).num_waiting, 0, "the passive executor does not pull");

    const req = request(await deploy(passive.nc, "export const handler = async () => 'ran';"), "Event");
    await publishEvent(passive.nc, req);
    await eventually(async () => assert.equal((await asyncConsumer(passive.nc)).num_pending, 1), { name: "the event is pending" });
    // The passive executor serves sync invocations meanwhile; the event is still undelivered.
    const sync = await invokeSync(passive.nc, request(req.function.code));
    assert.equal(sync.status, "ok");
    const before = await asyncConsumer(passive.nc);
    assert.deepEqual([before.num_pending, before.num_ack_pending, before.delivered.consumer_seq, before.num_waiting], [1, 0, 0, 0]);

    await using active = await startLoggedExecutor(server, { FNMESH_EXECUTOR_ID: "active" });
    const done = await active.doneEvent(req.requestId, 30_000);
    assert.deepEqual([done.outcome, done.invocationType, done.executorId], ["ok", "Event", "active"]);
    await eventually(async () => {
      const info = await asyncConsumer(passive.nc);
      assert.deepEqual([info.num_pending, info.num_ack_pending, info.delivered.consumer_seq], [0, 0, 1]);
      assert.ok(info.num_waiting >= 1, "the consuming executor pulls for more");
    }, { name: "the event was acked" });
    assert.equal(passive.done(req.requestId).length, 0);
  });
});

describe("FNMESH_EXECUTOR_ASYNC_ACK_WAIT_MS", () => {
  const ackWaitMs = async (nc: NatsConnection) => ((await asyncConsumer(nc)).config.ack_wait ?? 0) / 1e6;

  test("the durable consumer's ack wait is 60000 ms by default", async () => {
    await using server = await startNats();
    await using ex = await startLoggedExecutor(server);
    assert.equal(await ackWaitMs(ex.nc), 60_000);
  });

  test("the durable consumer's ack wait is the setting, also when the consumer already existed with another", async () => {
    await using server = await startNats();
    {
      await using first = await startLoggedExecutor(server, { FNMESH_EXECUTOR_ASYNC_ACK_WAIT_MS: "4321" });
      assert.equal(await ackWaitMs(first.nc), 4321);
    }
    // Restarted with a new setting: the consumer lives on in JetStream and must follow it.
    await using second = await startLoggedExecutor(server, { FNMESH_EXECUTOR_ASYNC_ACK_WAIT_MS: "7000" });
    assert.equal(await ackWaitMs(second.nc), 7000);
  });

  test("an Event invocation running for several ack waits is delivered once: the wait is extended while it runs", async () => {
    await using server = await startNats();
    await using ex = await startLoggedExecutor(server, { FNMESH_EXECUTOR_ASYNC_ACK_WAIT_MS: "3000" });
    // 7.5 s: without the extension JetStream would redeliver after 3 s and again after 6 s.
    const req = request(await deploy(ex.nc, "export const handler = async () => { await new Promise((r) => setTimeout(r, 7500)); return 'slow'; };"), "Event");
    await publishEvent(ex.nc, req);
    const done = await ex.doneEvent(req.requestId, 60_000);
    assert.deepEqual([done.outcome, done.attempt], ["ok", 1]);
    await eventually(async () => {
      const info = await asyncConsumer(ex.nc);
      assert.deepEqual([info.num_pending, info.num_ack_pending], [0, 0]);
      assert.equal(info.delivered.consumer_seq, 1, "delivered exactly once");
    }, { name: "the event was acked" });
    assert.equal(ex.done(req.requestId).length, 1);
  });
});
