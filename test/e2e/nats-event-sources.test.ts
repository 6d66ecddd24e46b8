/**
 * NATS and JetStream event source mappings end to end: mappings made through
 * @aws-sdk/client-lambda's CreateEventSourceMapping on the e2e stack (ingest, executor, scheduler on
 * real NATS and PostgreSQL), run by two trigger replicas started here through `startTrigger` as
 * main.ts starts it. Functions report every event they receive to an HTTP recorder in this process.
 *
 * Core NATS: a publish runs the function once (queue group across both replicas); FilterCriteria
 * drop what does not match. JetStream: ReportBatchItemFailures redelivers exactly the reported
 * records; a poison record is retried MaximumRetryAttempts times, then lands in FNMESH_DLQ with its
 * original bytes and the mapping moves on; disabling stops delivery and enabling resumes where it
 * stopped; two replicas on one mapping deliver each message once; deleting removes the consumer.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import {
  CreateEventSourceMappingCommand, CreateFunctionCommand, DeleteEventSourceMappingCommand, UpdateEventSourceMappingCommand,
  type CreateEventSourceMappingCommandInput,
} from "@aws-sdk/client-lambda";
import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, RetentionPolicy, type JetStreamManager } from "@nats-io/jetstream";
import {
  ASYNC_STREAM, DeadLetterReason, DLQ_STREAM, EVENT_SOURCE_MAPPING_HEADER, eventSourceConsumer, Header, NatsEvent, subjects, type StreamFailureRecord,
} from "@fnmesh/protocol";
import { createInvokeClient } from "@fnmesh/invoke";
import { createLogger } from "@fnmesh/telemetry";
import { eventually, randomName } from "@fnmesh/test-harness";
import { loadConfig } from "../../services/trigger/src/config.ts";
import { startTrigger, type Trigger } from "../../services/trigger/src/service.ts";
import { startJetStreamBatches, type BatchOutcome } from "../../services/trigger/src/sources/jetstream-batches.ts";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const ACCOUNT = "000000000000";
const MAIN = fileURLToPath(new URL("../../services/trigger/src/main.ts", import.meta.url));
/** Short, so a killed replica's batch comes back quickly; every replica agrees on it. */
const ACK_WAIT_MS = "3000";
const REGION = "us-east-1";

let stack: Stack;
let recorder: Server;
let recorderUrl = "";
const triggers: { trigger: Trigger; nc: NatsConnection; batches: BatchOutcome[] }[] = [];
/** Bodies each function posted, by function name. */
const received = new Map<string, unknown[]>();
let jsm: JetStreamManager;

before(async () => {
  recorder = createServer((req, res) => {
    const fn = new URL(req.url ?? "/", "http://recorder").searchParams.get("fn") ?? "";
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      received.set(fn, [...(received.get(fn) ?? []), JSON.parse(Buffer.concat(chunks).toString("utf8"))]);
      res.end("ok");
    });
  });
  recorder.listen(0, "127.0.0.1");
  await once(recorder, "listening");
  const port = (recorder.address() as AddressInfo).port;
  recorderUrl = `http://127.0.0.1:${port}`;
  stack = await startStack({ trigger: false, executorEnv: { FNMESH_EGRESS_ALLOW: `127.0.0.1:${port}`, FNMESH_EXECUTOR_CONCURRENCY: "16" } });
  jsm = await jetstreamManager(stack.nc);
  for (const id of ["a", "b"]) {
    const nc = await connect({ servers: stack.natsUrl.split(","), name: `e2e-trigger-${id}` });
    const batches: BatchOutcome[] = [];
    const config = loadConfig({ NATS_URL: stack.natsUrl, FNMESH_TRIGGER_RETRY_BASE_MS: "100", FNMESH_TRIGGER_RETRY_MAX_MS: "400", FNMESH_TRIGGER_ACK_WAIT_MS: ACK_WAIT_MS });
    const trigger = await startTrigger({ nc, config, log: createLogger({ service: `trigger-${id}`, write: () => undefined }), onBatch: (b) => batches.push(b) });
    triggers.push({ trigger, nc, batches });
  }
});

after(async () => {
  for (const t of triggers) { await t.trigger.stop(); await t.nc.close(); }
  await stack?.[Symbol.asyncDispose]();
  recorder?.closeAllConnections();
  recorder?.close();
});

const natsArn = (subject: string) => `arn:fnmesh:nats:${REGION}:${ACCOUNT}:subject/${subject}`;
const jetstreamArn = (stream: string) => `arn:fnmesh:jetstream:${REGION}:${ACCOUNT}:stream/${stream}`;
const decode = (data: string) => JSON.parse(Buffer.from(data, "base64").toString("utf8")) as Record<string, unknown>;

async function createFunction(prefix: string, handlerBody: string): Promise<string> {
  const name = randomName(prefix).replace(/_/g, "-");
  const url = JSON.stringify(`${recorderUrl}/?fn=${name}`);
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Role: `arn:aws:iam::${ACCOUNT}:role/test`, Handler: "index.handler", Timeout: 30,
    Code: { ZipFile: zipOf({ "index.mjs": `const report = (body) => fetch(${url}, { method: "POST", body: JSON.stringify(body) });
      export const handler = async (event) => { ${handlerBody} };` }) },
  }));
  return name;
}

/** Creates the mapping and waits until both replicas run it. */
async function createMapping(input: CreateEventSourceMappingCommandInput): Promise<string> {
  const out = await stack.lambda.send(new CreateEventSourceMappingCommand(input));
  const uuid = out.UUID ?? "";
  await eventually(() => triggers.every((t) => t.trigger.runners.running().includes(uuid)), { name: `mapping ${uuid} running on both replicas`, timeoutMs: 30_000 });
  return uuid;
}

async function createStream(prefix: string): Promise<{ stream: string; subject: string }> {
  const stream = randomName(prefix).toUpperCase();
  await jsm.streams.add({ name: stream, subjects: [`${stream.toLowerCase()}.>`] });
  return { stream, subject: `${stream.toLowerCase()}.in` };
}

const got = (fn: string) => received.get(fn) ?? [];

interface Item { seq: number; dc: number; n: number }

test("a core NATS publish runs the function once (two replicas in one queue group), with the message as a base64 record", async () => {
  const fn = await createFunction("natsfn", "await report(event); return 'ok';");
  const base = randomName("orders").replace(/_/g, "-");
  await createMapping({ FunctionName: fn, EventSourceArn: natsArn(`${base}.*`) });
  const h = natsHeaders();
  h.append("x-kind", "first");
  h.append("x-kind", "second");
  const messages = Array.from({ length: 20 }, (_, i) => ({ id: i, item: "book" }));
  for (const m of messages) stack.nc.publish(`${base}.new`, JSON.stringify(m), { headers: h });
  await stack.nc.flush();
  await eventually(() => got(fn).length >= messages.length, { name: "every publish ran the function", timeoutMs: 60_000 });
  await eventually(async () => (await jsm.streams.info(ASYNC_STREAM)).state.messages === 0, { name: "FNMESH_ASYNC drained", timeoutMs: 60_000 });
  const events = got(fn).map((e) => NatsEvent.parse(e));
  assert.equal(events.length, messages.length, "each message ran the function once");
  for (const event of events) {
    assert.equal(event.eventSource, "fnmesh:nats");
    assert.equal(event.eventSourceArn, natsArn(`${base}.*`));
    assert.equal(event.records.length, 1);
    const record = event.records[0]!;
    assert.equal(record.subject, `${base}.new`);
    assert.deepEqual(record.headers["x-kind"], ["first", "second"]);
    assert.equal(record.sequence, undefined);
  }
  assert.deepEqual(events.map((e) => decode(e.records[0]!.data).id).sort((a, b) => Number(a) - Number(b)), messages.map((m) => m.id));
});

test("FilterCriteria on a core NATS mapping drop the messages that do not match (payload key data, base64 JSON)", async () => {
  const fn = await createFunction("natsfilter", "await report(event); return 'ok';");
  const subject = randomName("filtered").replace(/_/g, "-");
  await createMapping({
    FunctionName: fn, EventSourceArn: natsArn(subject),
    FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ data: { kind: ["keep"], amount: [{ numeric: [">", 10] }] } }) }] },
  });
  const sent = [
    { kind: "drop", amount: 50, id: 1 }, { kind: "keep", amount: 5, id: 2 }, "not json", { kind: "keep", amount: 11, id: 3 },
    { kind: "KEEP", amount: 99, id: 4 }, { kind: "keep", amount: 12, id: 5 },
  ];
  for (const m of sent) stack.nc.publish(subject, typeof m === "string" ? m : JSON.stringify(m));
  await stack.nc.flush();
  await eventually(() => got(fn).length >= 2, { name: "the matching messages ran", timeoutMs: 60_000 });
  await eventually(async () => (await jsm.streams.info(ASYNC_STREAM)).state.messages === 0, { name: "FNMESH_ASYNC drained", timeoutMs: 60_000 });
  const ids = got(fn).map((e) => decode(NatsEvent.parse(e).records[0]!.data).id).sort();
  assert.deepEqual(ids, [3, 5]);
});

test("a JetStream mapping with BatchSize 100 and ReportBatchItemFailures: exactly the reported records come back, every other record runs once", async () => {
  // Fails every 7th record the first time it sees it, and reports its sequence.
  const fn = await createFunction("jsbatch", `
    const items = event.records.map((r) => ({ seq: r.sequence, dc: r.deliveryCount, n: JSON.parse(atob(r.data)).n }));
    await report({ size: event.records.length, source: event.eventSource, items });
    return { batchItemFailures: items.filter((i) => i.n % 7 === 0 && i.dc === 1).map((i) => ({ itemIdentifier: String(i.seq) })) };`);
  const { stream, subject } = await createStream("rbif");
  const js = jetstream(stack.nc);
  const total = 250;
  for (let n = 0; n < total; n++) await js.publish(subject, JSON.stringify({ n }));
  const uuid = await createMapping({
    FunctionName: fn, EventSourceArn: jetstreamArn(stream), StartingPosition: "TRIM_HORIZON", BatchSize: 100,
    MaximumBatchingWindowInSeconds: 1, FunctionResponseTypes: ["ReportBatchItemFailures"],
  });
  const failing = Array.from({ length: total }, (_, n) => n).filter((n) => n % 7 === 0);
  const seen = () => got(fn).flatMap((b) => (b as { items: Item[] }).items);
  await eventually(() => seen().length >= total + failing.length, { name: "every record, and the failed ones again", timeoutMs: 90_000 });
  await eventually(async () => {
    const info = await jsm.consumers.info(stream, eventSourceConsumer(uuid));
    return info.num_pending === 0 && info.num_ack_pending === 0;
  }, { name: "the mapping's consumer has nothing left", timeoutMs: 30_000 });
  const counts = new Map<number, number[]>();
  for (const i of seen()) counts.set(i.n, [...(counts.get(i.n) ?? []), i.dc]);
  for (let n = 0; n < total; n++) {
    assert.deepEqual(counts.get(n), n % 7 === 0 ? [1, 2] : [1], `record ${n}`);
  }
  const sizes = got(fn).map((b) => (b as { size: number }).size);
  assert.ok(sizes.every((s) => s >= 1 && s <= 100), `batch sizes ${sizes.join(",")}`);
  assert.ok(sizes.some((s) => s > 1), "records arrive in batches");
  assert.ok(got(fn).every((b) => (b as { source: string }).source === "fnmesh:jetstream"));
});

test("a poison record (the handler always throws) is retried MaximumRetryAttempts times, then dead-lettered with its original bytes; the mapping moves on", async () => {
  const fn = await createFunction("jspoison", `
    const bodies = event.records.map((r) => JSON.parse(atob(r.data)));
    await report(bodies);
    if (bodies.some((b) => b.poison)) throw new Error("poison record");
    return null;`);
  const { stream, subject } = await createStream("poison");
  const uuid = await createMapping({
    FunctionName: fn, EventSourceArn: jetstreamArn(stream), StartingPosition: "LATEST", BatchSize: 1, MaximumRetryAttempts: 1,
  });
  const js = jetstream(stack.nc);
  const poison = new TextEncoder().encode(JSON.stringify({ id: "p", poison: true, pad: "\u00e9\u{1F600}" }));
  await js.publish(subject, JSON.stringify({ id: "before" }));
  await js.publish(subject, poison);
  await js.publish(subject, JSON.stringify({ id: "after" }));
  const ids = () => got(fn).flatMap((b) => (b as { id: string }[]).map((r) => r.id));
  await eventually(() => ids().includes("after"), { name: "the record after the poison one ran", timeoutMs: 60_000 });
  const deadLetter = async () => {
    try {
      const m = await jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: subjects.dlq(DeadLetterReason.SourceRetriesExhausted) });
      return m?.header.get(EVENT_SOURCE_MAPPING_HEADER) === uuid ? m : undefined;
    } catch { return undefined; }
  };
  await eventually(async () => (await deadLetter()) !== undefined, { name: "the poison record dead-lettered", timeoutMs: 60_000 });
  await eventually(async () => {
    const info = await jsm.consumers.info(stream, eventSourceConsumer(uuid));
    return info.num_ack_pending === 0 && info.num_pending === 0;
  }, { name: "nothing left on the mapping's consumer", timeoutMs: 30_000 });
  assert.deepEqual(ids().filter((id) => id === "p").length, 2, "one run and MaximumRetryAttempts (1) retry");
  assert.deepEqual(ids().filter((id) => id !== "p").sort(), ["after", "before"]);
  const dlq = await deadLetter();
  assert.ok(dlq, "a dead letter");
  assert.deepEqual(Buffer.from(dlq.data), Buffer.from(poison), "the original bytes");
  assert.equal(dlq.header.get(EVENT_SOURCE_MAPPING_HEADER), uuid);
  assert.equal(dlq.header.get(Header.DeadLetterReason), DeadLetterReason.SourceRetriesExhausted);
  assert.equal(dlq.header.get(Header.OriginalSubject), subject);
  assert.equal(dlq.header.get(Header.Function), fn);
  assert.equal(dlq.header.get(Header.ErrorMessage), "poison record");
});

test("a disabled JetStream mapping stops; enabled again it resumes where it stopped, nothing twice", async () => {
  const fn = await createFunction("jsdisable", `
    await report(event.records.map((r) => JSON.parse(atob(r.data)).n));
    return null;`);
  const { stream, subject } = await createStream("disable");
  const uuid = await createMapping({ FunctionName: fn, EventSourceArn: jetstreamArn(stream), StartingPosition: "TRIM_HORIZON", BatchSize: 10 });
  const js = jetstream(stack.nc);
  const ns = () => got(fn).flatMap((b) => b as number[]);
  for (let n = 0; n < 5; n++) await js.publish(subject, JSON.stringify({ n }));
  await eventually(() => ns().length >= 5, { name: "the first five ran", timeoutMs: 60_000 });

  await stack.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
  await eventually(() => triggers.every((t) => !t.trigger.runners.running().includes(uuid)), { name: "both replicas stopped the mapping", timeoutMs: 30_000 });
  for (let n = 5; n < 10; n++) await js.publish(subject, JSON.stringify({ n }));
  // Stopped: the new messages wait on the durable consumer, none handed out.
  await eventually(async () => {
    const info = await jsm.consumers.info(stream, eventSourceConsumer(uuid));
    return info.num_pending === 5 && info.num_ack_pending === 0;
  }, { name: "five waiting on the kept consumer", timeoutMs: 30_000 });
  assert.deepEqual(ns().sort((a, b) => a - b), [0, 1, 2, 3, 4]);

  await stack.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
  await eventually(() => ns().length >= 10, { name: "the other five ran after enabling", timeoutMs: 60_000 });
  await eventually(async () => (await jsm.consumers.info(stream, eventSourceConsumer(uuid))).num_ack_pending === 0, { name: "all acknowledged", timeoutMs: 30_000 });
  assert.deepEqual(ns().sort((a, b) => a - b), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

  await stack.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
  await eventually(async () => {
    try { await jsm.consumers.info(stream, eventSourceConsumer(uuid)); return false; } catch { return true; }
  }, { name: "the deleted mapping's consumer is gone", timeoutMs: 30_000 });
  assert.ok(triggers.every((t) => t.trigger.mappings.get(uuid) === undefined));
});

test("two trigger replicas on one JetStream mapping deliver each message once", async () => {
  const fn = await createFunction("jstwo", `
    await report(event.records.map((r) => r.sequence));
    return null;`);
  const { stream, subject } = await createStream("two");
  const uuid = await createMapping({ FunctionName: fn, EventSourceArn: jetstreamArn(stream), StartingPosition: "TRIM_HORIZON", BatchSize: 10 });
  const before = triggers.map((t) => t.batches.filter((b) => b.mapping === uuid).length);
  const js = jetstream(stack.nc);
  const total = 300;
  await Promise.all(Array.from({ length: total }, (_, n) => js.publish(subject, JSON.stringify({ n }))));
  const seqs = () => got(fn).flatMap((b) => b as number[]);
  await eventually(() => seqs().length >= total, { name: "every message ran", timeoutMs: 90_000 });
  await eventually(async () => (await jsm.consumers.info(stream, eventSourceConsumer(uuid))).num_ack_pending === 0, { name: "all acknowledged", timeoutMs: 30_000 });
  const counts = new Map<number, number>();
  for (const s of seqs()) counts.set(s, (counts.get(s) ?? 0) + 1);
  assert.equal(counts.size, total);
  assert.ok([...counts.values()].every((c) => c === 1), "no message twice");
  const perReplica = triggers.map((t, i) => t.batches.filter((b) => b.mapping === uuid).length - (before[i] ?? 0));
  console.log(`batches per replica: ${perReplica.join(", ")}`);
});

/** The newest dead letter of a reason, if it names this mapping. */
async function deadLetterOf(reason: DeadLetterReason, uuid: string) {
  try {
    const m = await jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: subjects.dlq(reason) });
    return m?.header.get(EVENT_SOURCE_MAPPING_HEADER) === uuid ? m : undefined;
  } catch { return undefined; }
}

test("a core NATS message too large for an Event invocation is dead-lettered invalid_source_record with its bytes; the next one runs", async () => {
  const fn = await createFunction("natsbig", "await report(event.records.map((r) => r.data.length)); return 'ok';");
  const subject = randomName("big").replace(/_/g, "-");
  const uuid = await createMapping({ FunctionName: fn, EventSourceArn: natsArn(subject) });
  // 800 KB of body is about 1.07 MB of base64: over the 1 MB an Event invocation takes.
  const big = new Uint8Array(800 * 1024).fill(65);
  stack.nc.publish(subject, big);
  stack.nc.publish(subject, "small");
  await stack.nc.flush();
  await eventually(async () => (await deadLetterOf(DeadLetterReason.InvalidSourceRecord, uuid)) !== undefined, { name: "the big message dead-lettered", timeoutMs: 60_000 });
  await eventually(() => got(fn).length >= 1, { name: "the small one ran", timeoutMs: 60_000 });
  const dl = await deadLetterOf(DeadLetterReason.InvalidSourceRecord, uuid);
  assert.ok(dl);
  assert.deepEqual(Buffer.from(dl.data), Buffer.from(big));
  assert.equal(dl.header.get(Header.ErrorType), "RecordTooLarge");
  assert.equal(dl.header.get(Header.OriginalSubject), subject);
  assert.deepEqual(got(fn), [[Buffer.from("small").toString("base64").length]]);
});

test("OnFailure on a JetStream mapping: a batch out of retries is described to the destination (Lambda's stream failure record with the batch), not dead-lettered", async () => {
  const fn = await createFunction("jsonfail", "await report(event.records.length); throw new Error('always');");
  const { stream, subject } = await createStream("onfail");
  const failures = await createStream("failures");
  const destination = `arn:fnmesh:jetstream:${REGION}:${ACCOUNT}:subject/${failures.subject}`;
  const uuid = await createMapping({
    FunctionName: fn, EventSourceArn: jetstreamArn(stream), StartingPosition: "LATEST", BatchSize: 5, MaximumRetryAttempts: 0,
    DestinationConfig: { OnFailure: { Destination: destination } },
  });
  const js = jetstream(stack.nc);
  const ack = await js.publish(subject, JSON.stringify({ id: "doomed" }));
  await eventually(async () => (await jsm.streams.info(failures.stream)).state.messages >= 1, { name: "the failure record stored", timeoutMs: 60_000 });
  const stored = await jsm.streams.getMessage(failures.stream, { seq: 1 });
  assert.ok(stored);
  const record = JSON.parse(new TextDecoder().decode(stored.data)) as StreamFailureRecord;
  assert.equal(record.requestContext.condition, "RetryAttemptsExhausted");
  assert.equal(record.requestContext.approximateInvokeCount, 1);
  assert.equal(record.requestContext.functionArn, `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}`);
  assert.equal(record.responseContext.functionError, "Unhandled");
  assert.equal(record.version, "1.0");
  assert.deepEqual({ ...record.JetStreamBatchInfo, approximateArrivalOfFirstRecord: "", approximateArrivalOfLastRecord: "" }, {
    stream, startSequence: ack.seq, endSequence: ack.seq, batchSize: 1, streamArn: jetstreamArn(stream),
    approximateArrivalOfFirstRecord: "", approximateArrivalOfLastRecord: "",
  });
  const payload = NatsEvent.parse(record.payload);
  assert.deepEqual(decode(payload.records[0]!.data), { id: "doomed" });
  await eventually(async () => {
    const info = await jsm.consumers.info(stream, eventSourceConsumer(uuid));
    return info.num_ack_pending === 0 && info.num_pending === 0;
  }, { name: "the mapping moved on", timeoutMs: 30_000 });
  assert.equal(got(fn).length, 1, "MaximumRetryAttempts 0: one run");
  assert.equal(await deadLetterOf(DeadLetterReason.SourceRetriesExhausted, uuid), undefined, "not dead-lettered");
});

test("StartingPosition: LATEST skips what the stream held before the mapping, AT_TIMESTAMP starts at the time given", async () => {
  const { stream, subject } = await createStream("position");
  const js = jetstream(stack.nc);
  for (const n of [1, 2, 3]) await js.publish(subject, JSON.stringify({ n }));
  const third = await jsm.streams.getMessage(stream, { seq: 3 });
  assert.ok(third);
  const cut = third.time.getTime() + 1;
  // Later than the cut by the clock JetStream stamps with (this host's).
  await eventually(() => Date.now() > cut + 5, { name: "the clock past the cut" });
  for (const n of [4, 5]) await js.publish(subject, JSON.stringify({ n }));

  const latest = await createFunction("jslatest", "await report(event.records.map((r) => JSON.parse(atob(r.data)).n)); return null;");
  const atTime = await createFunction("jsattime", "await report(event.records.map((r) => JSON.parse(atob(r.data)).n)); return null;");
  await createMapping({ FunctionName: latest, EventSourceArn: jetstreamArn(stream), StartingPosition: "LATEST", BatchSize: 10 });
  await createMapping({ FunctionName: atTime, EventSourceArn: jetstreamArn(stream), StartingPosition: "AT_TIMESTAMP", StartingPositionTimestamp: new Date(cut), BatchSize: 10 });
  await js.publish(subject, JSON.stringify({ n: 6 }));
  const ns = (fn: string) => got(fn).flatMap((b) => b as number[]).sort((a, b) => a - b);
  await eventually(() => ns(latest).includes(6) && ns(atTime).includes(6), { name: "both got the new message", timeoutMs: 60_000 });
  assert.deepEqual(ns(latest), [6]);
  assert.deepEqual(ns(atTime), [4, 5, 6]);
});

test("a JetStream batch whose event would outgrow 6 MB is split; a record too large on its own is dead-lettered invalid_source_record", async () => {
  const fn = await createFunction("jsbig", "await report(event.records.map((r) => ({ id: r.headers.id[0], len: r.data.length }))); return null;");
  const { stream, subject } = await createStream("bigbatch");
  const js = jetstream(stack.nc);
  const sizes: Record<string, number> = { a: 2 << 20, b: 2 << 20, c: 2 << 20, d: 5 << 20, e: 10 };
  for (const [id, size] of Object.entries(sizes)) {
    const h = natsHeaders();
    h.set("id", id);
    await js.publish(subject, new Uint8Array(size).fill(66), { headers: h });
  }
  const uuid = await createMapping({ FunctionName: fn, EventSourceArn: jetstreamArn(stream), StartingPosition: "TRIM_HORIZON", BatchSize: 10, MaximumBatchingWindowInSeconds: 1 });
  const runs = () => got(fn) as { id: string; len: number }[][];
  await eventually(() => runs().flat().length >= 4, { name: "a, b, c and e ran", timeoutMs: 120_000 });
  await eventually(async () => (await deadLetterOf(DeadLetterReason.InvalidSourceRecord, uuid)) !== undefined, { name: "d dead-lettered", timeoutMs: 60_000 });
  await eventually(async () => (await jsm.consumers.info(stream, eventSourceConsumer(uuid))).num_ack_pending === 0, { name: "all answered", timeoutMs: 30_000 });
  assert.deepEqual(runs().flat().map((r) => r.id).sort(), ["a", "b", "c", "e"]);
  for (const run of runs()) {
    const base64 = run.reduce((n, r) => n + r.len, 0);
    assert.ok(base64 <= 6 * 1024 * 1024, `one invocation carried ${base64} bytes of base64`);
  }
  const dl = await deadLetterOf(DeadLetterReason.InvalidSourceRecord, uuid);
  assert.ok(dl);
  assert.equal(dl.data.length, sizes.d);
  assert.equal(dl.header.get(Header.ErrorType), "RecordTooLarge");
});

test("the batch runner is generic: another record builder on a work-queue stream's subject (as Postgres changes on FNMESH_CHANGES), undecodable records dead-lettered", async () => {
  const fn = await createFunction("jsgeneric", "await report(event); return { batchItemFailures: [] };");
  const stream = randomName("wq").toUpperCase();
  const prefix = stream.toLowerCase();
  await jsm.streams.add({ name: stream, subjects: [`${prefix}.>`], retention: RetentionPolicy.Workqueue });
  const js = jetstream(stack.nc);
  const uuid = crypto.randomUUID();
  const mine = `${prefix}.${uuid}`;
  // On the queue before the runner starts: a work queue is consumed from what it holds, whatever StartingPosition says.
  await js.publish(mine, JSON.stringify({ eventID: "1", eventName: "INSERT" }));
  await js.publish(mine, "not a change");
  await js.publish(`${prefix}.other`, JSON.stringify({ eventID: "x", eventName: "INSERT" }));
  const view = {
    v: 1 as const, uuid, functionName: fn, eventSourceArn: `arn:fnmesh:postgres:${REGION}:${ACCOUNT}:table/dev/public.t`,
    source: { kind: "postgres" as const, source: "dev", schema: "public", table: "t" }, state: "Enabled" as const, batchSize: 10,
    maximumBatchingWindowInSeconds: 0, startingPosition: "LATEST" as const, functionResponseTypes: ["ReportBatchItemFailures" as const],
    maximumRetryAttempts: -1, revision: "r1", lastModified: Date.now(),
  };
  const outcomes: BatchOutcome[] = [];
  const runner = await startJetStreamBatches({ nc: stack.nc, invoker: createInvokeClient(stack.nc), log: createLogger({ service: "generic", write: () => undefined }), onBatch: (o) => outcomes.push(o) }, view, {
    stream, filterSubject: mine,
    toRecord: (m) => { try { return JSON.parse(new TextDecoder().decode(m.data)) as { eventID: string }; } catch { return { invalid: "not JSON" }; } },
    itemId: (r) => r.eventID,
    toPayload: (records) => new TextEncoder().encode(JSON.stringify({ Records: records })),
    filter: () => true,
  });
  try {
    await js.publish(mine, JSON.stringify({ eventID: "2", eventName: "MODIFY" }));
    await eventually(() => got(fn).flatMap((e) => (e as { Records: unknown[] }).Records).length >= 2, { name: "both changes ran", timeoutMs: 60_000 });
    await eventually(async () => (await deadLetterOf(DeadLetterReason.InvalidSourceRecord, uuid)) !== undefined, { name: "the undecodable one dead-lettered", timeoutMs: 30_000 });
    await eventually(async () => (await jsm.streams.info(stream)).state.messages === 1, { name: "only the other subject's message left", timeoutMs: 30_000 });
    assert.deepEqual(got(fn).flatMap((e) => (e as { Records: { eventID: string }[] }).Records.map((r) => r.eventID)).sort(), ["1", "2"]);
    assert.equal(new TextDecoder().decode((await deadLetterOf(DeadLetterReason.InvalidSourceRecord, uuid))?.data), "not a change");
  } finally {
    await runner.stop();
  }
});

test("kill -9 of a trigger replica (its main.ts) while it holds batches loses nothing: the others take them after the ack wait", async () => {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? "", NATS_URL: stack.natsUrl, FNMESH_TRIGGER_ACK_WAIT_MS: ACK_WAIT_MS, FNMESH_LOG_LEVEL: "info" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const log: string[] = [];
  child.stdout?.on("data", (b: Buffer) => log.push(b.toString()));
  child.stderr?.on("data", (b: Buffer) => log.push(b.toString()));
  const exited = once(child, "exit");
  try {
    await eventually(() => log.join("").includes("trigger ready"), { name: "the child trigger is ready", timeoutMs: 30_000 });
    const fn = await createFunction("jskill", "await new Promise((r) => setTimeout(r, 150)); await report(event.records.map((r) => r.sequence)); return null;");
    const { stream, subject } = await createStream("kill");
    const uuid = await createMapping({ FunctionName: fn, EventSourceArn: jetstreamArn(stream), StartingPosition: "TRIM_HORIZON", BatchSize: 10 });
    await eventually(() => log.join("").includes(uuid), { name: "the child runs the mapping too", timeoutMs: 30_000 });
    const js = jetstream(stack.nc);
    const total = 300;
    await Promise.all(Array.from({ length: total }, (_, n) => js.publish(subject, JSON.stringify({ n }))));
    const seqs = () => got(fn).flatMap((b) => b as number[]);
    await eventually(() => seqs().length >= 60, { name: "the mapping is under way", timeoutMs: 60_000 });
    child.kill("SIGKILL");
    await exited;
    await eventually(() => new Set(seqs()).size === total, { name: "every message ran at least once", timeoutMs: 120_000 });
    await eventually(async () => {
      const info = await jsm.consumers.info(stream, eventSourceConsumer(uuid));
      return info.num_pending === 0 && info.num_ack_pending === 0;
    }, { name: "all acknowledged", timeoutMs: 60_000 });
    console.log(`${total} messages, ${seqs().length} runs of records (the killed replica's batches ran again)`);
  } finally {
    if (child.exitCode === null && child.signalCode === null) { child.kill("SIGKILL"); await exited; }
  }
});

test("a record the function keeps reporting in batchItemFailures is retried MaximumRetryAttempts times, then dead-lettered; its batch mates ran once", async () => {
  const fn = await createFunction("jsrbifdlq", `
    const items = event.records.map((r) => ({ seq: r.sequence, body: JSON.parse(atob(r.data)) }));
    await report(items.map((i) => i.body.id));
    return { batchItemFailures: items.filter((i) => i.body.bad).map((i) => ({ itemIdentifier: String(i.seq) })) };`);
  const { stream, subject } = await createStream("rbifdlq");
  const js = jetstream(stack.nc);
  for (const id of ["g1", "g2", "bad", "g3"]) await js.publish(subject, JSON.stringify({ id, bad: id === "bad" }));
  const uuid = await createMapping({
    FunctionName: fn, EventSourceArn: jetstreamArn(stream), StartingPosition: "TRIM_HORIZON", BatchSize: 10,
    MaximumRetryAttempts: 2, FunctionResponseTypes: ["ReportBatchItemFailures"],
  });
  await eventually(async () => (await deadLetterOf(DeadLetterReason.SourceRetriesExhausted, uuid)) !== undefined, { name: "the bad record dead-lettered", timeoutMs: 60_000 });
  await eventually(async () => {
    const info = await jsm.consumers.info(stream, eventSourceConsumer(uuid));
    return info.num_pending === 0 && info.num_ack_pending === 0;
  }, { name: "all answered", timeoutMs: 30_000 });
  const ids = got(fn).flatMap((b) => b as string[]);
  assert.equal(ids.filter((id) => id === "bad").length, 3, "one run and two retries");
  assert.deepEqual(ids.filter((id) => id !== "bad").sort(), ["g1", "g2", "g3"]);
  const dl = await deadLetterOf(DeadLetterReason.SourceRetriesExhausted, uuid);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(dl?.data)), { id: "bad", bad: true });
  assert.equal(dl?.header.get(Header.ErrorType), "BatchItemFailure");
});

test("a core NATS mapping on > never delivers fnmesh's own subjects, $-subjects or inboxes (an invocation would publish on fnmesh.async and loop)", async () => {
  const fn = await createFunction("natsall", "await report(event.records[0].subject); return 'ok';");
  const uuid = await createMapping({ FunctionName: fn, EventSourceArn: natsArn(">") });
  const mine = `${randomName("everything").replace(/_/g, "-")}.hello`;
  try {
    stack.nc.publish("fnmesh.not-for-functions", "x");
    stack.nc.publish(mine, "hi");
    await stack.nc.flush();
    await eventually(() => got(fn).includes(mine), { name: "the plain subject ran the function", timeoutMs: 60_000 });
  } finally {
    await stack.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
    await eventually(() => triggers.every((t) => !t.trigger.runners.running().includes(uuid)), { name: "the > mapping stopped", timeoutMs: 30_000 });
  }
  await eventually(async () => (await jsm.streams.info(ASYNC_STREAM)).state.messages === 0, { name: "FNMESH_ASYNC drained", timeoutMs: 60_000 });
  const subjectsSeen = got(fn) as string[];
  assert.deepEqual(subjectsSeen.filter((s) => /^(fnmesh\.|\$|_INBOX\.)/.test(s)), []);
  assert.ok(subjectsSeen.includes(mine));
});

test("a JetStream mapping on one of fnmesh's own streams (FNMESH_DLQ) is refused: it would feed a function its own dead letters", async () => {
  const fn = await createFunction("jsreserved", "await report(event.records.length); return null;");
  await assert.rejects(
    stack.lambda.send(new CreateEventSourceMappingCommand({ FunctionName: fn, EventSourceArn: jetstreamArn(DLQ_STREAM), StartingPosition: "TRIM_HORIZON" })),
    (err: Error & { $metadata?: { httpStatusCode?: number } }) =>
      err.name === "InvalidParameterValueException" && err.$metadata?.httpStatusCode === 400 && /fnmesh's own streams/.test(err.message));
});
