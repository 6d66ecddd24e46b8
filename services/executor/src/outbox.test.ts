/**
 * The outbox against a real nats-server: lines of one turn leave as one LogBatch per function, in
 * order, split before they could approach max_payload, and every reply after the lines queued
 * before it.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { connect, type Msg, type NatsConnection } from "@nats-io/transport-node";
import { catalog, decodeJson, LogBatch, LogLevel, type LogEvent } from "@fnmesh/protocol";
import { eventually, randomName, startNats } from "@fnmesh/test-harness";
import { createOutbox } from "./outbox.ts";

let nats: Awaited<ReturnType<typeof startNats>>;
let nc: NatsConnection;
before(async () => {
  nats = await startNats();
  nc = await connect({ servers: nats.url });
});
after(async () => {
  await nc.close();
  await nats.stop();
});

const line = (requestId: string, text: string): LogEvent => ({ requestId, version: "$LATEST", time: Date.now(), level: LogLevel.Info, line: text });

test("the lines of one turn leave as one batch per function, in order, before the replies", async () => {
  const [a, b] = [randomName("fn"), randomName("fn")];
  const seen: { subject: string; batch?: LogBatch; reply?: string }[] = [];
  const subs = [a, b].map((fn) => nc.subscribe(catalog.logs.subject(fn), { callback: (_e, m) => { seen.push({ subject: m.subject, batch: decodeJson(LogBatch, m.data) }); } }));
  const service = nc.subscribe(`test.${randomName("svc")}`, { callback: (_e, m) => { requests.push(m); } });
  const requests: Msg[] = [];
  await nc.flush();
  const outbox = createOutbox(nc);

  const answers = [1, 2].map((i) => nc.request(service.getSubject(), new TextEncoder().encode(String(i)), { timeout: 10_000 }));
  await eventually(() => requests.length === 2, { name: "both requests arrived" });
  // What one turn of an executor queues: two invocations of `a`, one of `b`, and both replies.
  outbox.log(a, line("r1", "START r1"));
  outbox.log(b, line("r3", "START r3"));
  outbox.log(a, line("r2", "START r2"));
  outbox.log(a, line("r1", "REPORT r1"));
  for (const m of requests) outbox.reply(m, new TextEncoder().encode(`answer ${new TextDecoder().decode(m.data)}`));
  const replies = await Promise.all(answers);
  // Core NATS keeps one publisher's order per subscriber connection: the lines were already here.
  assert.equal(seen.length, 2, "one message per function");
  assert.deepEqual(replies.map((r) => r.string()), ["answer 1", "answer 2"]);
  const ofA = seen.find((s) => s.subject === catalog.logs.subject(a))?.batch;
  const ofB = seen.find((s) => s.subject === catalog.logs.subject(b))?.batch;
  assert.deepEqual(ofA?.events.map((e) => e.line), ["START r1", "START r2", "REPORT r1"]);
  assert.equal(ofA?.function, a);
  assert.deepEqual(ofB?.events.map((e) => e.line), ["START r3"]);
  for (const s of subs) s.unsubscribe();
  service.unsubscribe();
});

test("a turn with more lines than fit one message is split, losing none and keeping order", async () => {
  const fn = randomName("fn");
  const batches: LogBatch[] = [];
  const sub = nc.subscribe(catalog.logs.subject(fn), { callback: (_e, m) => { batches.push(decodeJson(LogBatch, m.data)); } });
  await nc.flush();
  const outbox = createOutbox(nc);
  // 40 lines of 64 KiB: 2.5 MiB in one turn, beyond the 1 MiB max_payload of a default nats-server.
  const big = "x".repeat(64 * 1024);
  for (let i = 0; i < 40; i++) outbox.log(fn, line(`r${i}`, `${i} ${big}`));
  await eventually(() => batches.reduce((n, b) => n + b.events.length, 0) === 40, { name: "every line arrived" });
  assert.ok(batches.length > 1, "split into several messages");
  assert.deepEqual(batches.flatMap((b) => b.events.map((e) => e.requestId)), Array.from({ length: 40 }, (_, i) => `r${i}`));
  sub.unsubscribe();
});
