import assert from "node:assert/strict";
import { test } from "node:test";
import { connect, headers, NoRespondersError, TimeoutError } from "@nats-io/transport-node";
import { startNats } from "@fnmesh/test-harness";
import { createReplyMux } from "./reply-mux.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);
const bytes = (s: string) => new TextEncoder().encode(s);

test("many requests at once each get their own reply; nobody serving is NoResponders; no reply is a timeout", async () => {
  await using nats = await startNats();
  await using nc = await connect({ servers: nats.url });
  const mux = createReplyMux(nc);
  nc.subscribe("echo", { callback: (_e, m) => { m.respond(bytes(`re:${text(m.data)}:${m.headers?.get("x") ?? ""}`)); } });
  nc.subscribe("silent", { callback: () => {} });
  await nc.flush();

  const h = headers();
  h.set("x", "h");
  const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => mux.request("echo", bytes(String(i)), { timeoutMs: 10_000, headers: h })));
  assert.deepEqual(answers.map((m) => text(m.data)), Array.from({ length: 200 }, (_, i) => `re:${i}:h`));

  await assert.rejects(mux.request("nobody", bytes("x"), { timeoutMs: 10_000 }),
    (err: unknown) => err instanceof NoRespondersError && err.message.includes("'nobody'"));
  await assert.rejects(mux.request("silent", bytes("x"), { timeoutMs: 200 }), (err: unknown) => err instanceof TimeoutError);
});

test("a request pending when the connection closes is rejected, not left hanging", async () => {
  await using nats = await startNats();
  const nc = await connect({ servers: nats.url });
  const mux = createReplyMux(nc);
  nc.subscribe("silent", { callback: () => {} });
  await nc.flush();
  const pending = mux.request("silent", bytes("x"), { timeoutMs: 60_000 });
  await nc.close();
  await assert.rejects(pending, /connection closed/);
});
