import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { createChunkedReceiver, sendChunked, type IpcEnd } from "./chunked-ipc.ts";

/** An IPC end that hands each message straight to a receiver, recording what crossed. */
function loopback(onValue: (v: unknown) => void): { end: IpcEnd; sent: unknown[] } {
  const sent: unknown[] = [];
  const receive = createChunkedReceiver(onValue);
  return { sent, end: { send(message, callback) { sent.push(structuredClone(message)); receive(sent.at(-1)); callback(null); return true; } } };
}

test("large arrays cross in chunks of at most 1 MiB ahead of their value, and arrive byte for byte", async () => {
  const got: unknown[] = [];
  const { end, sent } = loopback((v) => got.push(v));
  const body = randomBytes(5 * 1024 * 1024 + 17);
  const code = randomBytes(300 * 1024);
  const small = new Uint8Array([1, 2, 3]);
  await sendChunked(end, { kind: "bundle", nested: [{ body }], built: { code, small }, n: 7 });

  assert.equal(got.length, 1);
  const value = got[0] as { kind: string; nested: { body: Uint8Array }[]; built: { code: Uint8Array; small: Uint8Array }; n: number };
  assert.deepEqual(Buffer.from(value.nested[0]!.body), body);
  assert.deepEqual(Buffer.from(value.built.code), code);
  assert.deepEqual([...value.built.small], [1, 2, 3]);
  assert.equal(value.n, 7);
  const chunks = sent.filter((m) => (m as { t: string }).t === "chunk") as { data: Uint8Array }[];
  assert.equal(chunks.length, 6 + 1, "ceil(5 MiB + 17 B / 1 MiB) chunks of the body, one of the code");
  for (const c of chunks) assert.ok(c.data.byteLength <= 1024 * 1024);
  assert.equal((sent.at(-1) as { t: string }).t, "value", "the value comes last");
});

test("consecutive values do not share buffers", async () => {
  const got: { b: Uint8Array }[] = [];
  const { end } = loopback((v) => got.push(v as { b: Uint8Array }));
  const first = randomBytes(100 * 1024);
  const second = randomBytes(200 * 1024);
  await sendChunked(end, { b: first });
  await sendChunked(end, { b: second });
  assert.deepEqual(Buffer.from(got[0]!.b), first);
  assert.deepEqual(Buffer.from(got[1]!.b), second);
});
