/**
 * The README's per-invocation limits and the executor settings that bound its caches, each against
 * a real executor over real NATS: the heap limit follows MemorySize, the default host-work allowance
 * and its FNMESH_HOST_WORK_* variables, FNMESH_EXECUTOR_MEMORY_BUDGET_MB (idle isolates evicted least
 * recently used first), FNMESH_EXECUTOR_CODE_CACHE_MB (bundles kept in memory) and
 * FNMESH_EXECUTOR_CONCURRENCY / FNMESH_EXECUTOR_QUEUE_DEPTH. Counts and outcomes only, no clocks.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { codeKeys, type CodeRef, type FunctionSpec } from "@fnmesh/protocol";
import { openCodeStore } from "@fnmesh/service-kit";
import { eventually } from "@fnmesh/test-harness";
import { assertOutOfMemory, deployFunction, isCold, okResult, startExecutorHarness, type ExecutorHarness, type Invoked } from "./support.ts";

const MIB = 1024 * 1024;

describe("MemorySize is the isolate's heap limit", () => {
  let h: ExecutorHarness;
  before(async () => { h = await startExecutorHarness(); });
  after(async () => { await h?.[Symbol.asyncDispose](); });

  // 192 MiB kept live (1 MiB arrays of doubles, 8 bytes each): half again over 128 MB, well inside
  // 512 MB. The generous timeout keeps a slow machine from turning either outcome into a timeout.
  const ALLOCATE = `export const handler = async (event) => {
  const chunks = [];
  for (let i = 0; i < event.mib; i++) chunks.push(new Array(${MIB / 8}).fill(i + 0.5));
  return chunks.length;
};`;

  test("the same 192 MiB allocation is Runtime.OutOfMemory at MemorySize 128 and succeeds at 512", async () => {
    const small = await deployFunction(h, ALLOCATE, { memoryMb: 128, timeoutSec: 60 });
    assertOutOfMemory(await h.invoke(small, { mib: 192 }), 128);
    const large = h.spec(small.code, { memoryMb: 512, timeoutSec: 60 });
    assert.equal(okResult(await h.invoke(large, { mib: 192 })), 192);
  });
});

/** Parses the host-work refusal: what it says was used, in how many calls, and the limit it states. */
function refusal(message: string): { usedMs: number; calls: number; burstMs: number; percent: number } {
  const m = /^fnmesh: host work limit reached: this invocation's URL, crypto and structuredClone calls have used ([\d.]+) ms of the host's time in (\d+) calls; the limit is (\d+) ms plus ([\d.]+)% of the time elapsed since the invocation began$/.exec(message);
  assert.ok(m, `not the host-work refusal: ${message}`);
  return { usedMs: Number(m[1]), calls: Number(m[2]), burstMs: Number(m[3]), percent: Number(m[4]) };
}

// Parses URLs until refused. The timeout only bounds a broken limit: a refusal needs the host time
// to outrun its share of elapsed time, which it does on any machine, just sooner or later.
const URL_LOOP = `export const handler = async () => {
  let calls = 0;
  try { for (;;) { new URL("https://example.com/" + calls); calls++; } }
  catch (e) { return { calls, isRangeError: e instanceof RangeError, message: e.message }; }
};`;

describe("host work", () => {
  test("by default a URL-parsing loop is refused with a RangeError only after its 250 ms burst is spent", async () => {
    await using h = await startExecutorHarness();
    const inv = await h.invoke(await deployFunction(h, URL_LOOP, { timeoutSec: 120 }));
    const result = okResult(inv) as { calls: number; isRangeError: boolean; message: string };
    assert.equal(result.isRangeError, true);
    const stated = refusal(result.message);
    assert.deepEqual([stated.burstMs, stated.percent], [250, 25], "the README's defaults");
    // Refused only once the bucket is empty: 250 ms plus the refill, so never before 250 ms was used.
    assert.ok(stated.usedMs >= 250, `refused after ${stated.usedMs} ms of host work`);
    assert.equal(stated.calls, result.calls, "every admitted call was charged");
    // The burst pays for many calls, not a few: each costs its measured host time plus PER_CALL_MS
    // (0.025 ms); about 0.027 ms a parse on the reference machine, loaded or not. Fewer than 1000
    // calls would mean 0.25 ms a parse, ten times that.
    assert.ok(result.calls >= 1000, `only ${result.calls} calls admitted`);
    assert.ok(inv.result.status === "ok" && inv.result.hostTimeMs !== undefined && inv.result.hostTimeMs >= 250,
      `hostTimeMs in ${JSON.stringify(inv.result)}`);
  });

  test("FNMESH_HOST_WORK_BURST_MS and FNMESH_HOST_WORK_SHARE_PERCENT set the allowance the runtime enforces", async () => {
    await using h = await startExecutorHarness({ FNMESH_HOST_WORK_BURST_MS: "30", FNMESH_HOST_WORK_SHARE_PERCENT: "2" });
    const result = okResult(await h.invoke(await deployFunction(h, URL_LOOP, { timeoutSec: 120 }))) as { calls: number; isRangeError: boolean; message: string };
    assert.equal(result.isRangeError, true);
    const stated = refusal(result.message);
    assert.deepEqual([stated.burstMs, stated.percent], [30, 2]);
    assert.ok(stated.usedMs >= 30, `refused after ${stated.usedMs} ms of host work`);
  });
});

// Module-scope data an idle isolate keeps: 36 MiB, so one fits a 64 MiB budget and two do not.
const HOLDS_36_MIB = `const kept = [];
for (let i = 0; i < 72; i++) kept.push(new Array(${MIB / 16}).fill(i + 0.5));
export const handler = async () => kept.length / 2;`;

/** A, then B, then B and A again: whether each of the last two found its isolate warm. */
async function warmAfterAnother(h: ExecutorHarness): Promise<{ a: Invoked; b: Invoked; bAgain: Invoked; aAgain: Invoked }> {
  const a = await deployFunction(h, HOLDS_36_MIB, { memoryMb: 256, timeoutSec: 60 });
  const b = h.spec(a.code, { memoryMb: 256, timeoutSec: 60 });
  const first = await h.invoke(a);
  const second = await h.invoke(b);
  for (const inv of [first, second]) {
    assert.equal(okResult(inv), 36);
    assert.equal(isCold(inv), true);
    // The premise: each idle isolate holds more than half of a 64 MiB budget, yet fits it alone.
    assert.ok(inv.result.status === "ok" && inv.result.maxMemoryUsedMb > 32 && inv.result.maxMemoryUsedMb < 64, JSON.stringify(inv.result));
  }
  const bAgain = await h.invoke(b);
  const aAgain = await h.invoke(a);
  return { a: first, b: second, bAgain, aAgain };
}

describe("FNMESH_EXECUTOR_MEMORY_BUDGET_MB", () => {
  test("past a 64 MiB budget, the least recently used idle isolate is evicted and its next invocation is cold", async () => {
    await using h = await startExecutorHarness({ FNMESH_EXECUTOR_MEMORY_BUDGET_MB: "64" });
    const { bAgain, aAgain } = await warmAfterAnother(h);
    assert.equal(isCold(bAgain), false, "the most recently used isolate stayed warm");
    assert.equal(isCold(aAgain), true, "the older isolate was evicted");
  });

  test("with the default 1024 MiB budget both isolates stay warm", async () => {
    await using h = await startExecutorHarness();
    const { bAgain, aAgain } = await warmAfterAnother(h);
    assert.equal(isCold(bAgain), false);
    assert.equal(isCold(aAgain), false);
  });
});

describe("FNMESH_EXECUTOR_CODE_CACHE_MB", () => {
  // Two bundles of about 600 KiB: one fits a 1 MiB cache, both do not. A cold start with a new
  // revision loads the bundle again; with the object deleted from the code store, only the
  // executor's in-memory cache can still supply it.
  const padded = (tag: string) => `const PAD = "${tag.repeat(600 * 1024 / tag.length)}";
export const handler = async () => "${tag}:" + PAD.length;`;

  async function runThenDelete(h: ExecutorHarness): Promise<{ a: FunctionSpec; b: FunctionSpec }> {
    const a = await deployFunction(h, padded("aaaa"));
    const b = await deployFunction(h, padded("bbbb"));
    assert.equal(okResult(await h.invoke(a)), `aaaa:${600 * 1024}`);
    assert.equal(okResult(await h.invoke(b)), `bbbb:${600 * 1024}`);
    const store = await openCodeStore(h.nc);
    for (const code of [a.code, b.code]) {
      assert.ok(code.kind === "bundle");
      await store.delete(codeKeys.bundle(code.sha256));
    }
    return { a, b };
  }
  const revised = (h: ExecutorHarness, fn: FunctionSpec) => h.spec(fn.code, { name: fn.name });

  test("a 1 MiB cache keeps the most recent bundle and drops the older one", async () => {
    await using h = await startExecutorHarness({ FNMESH_EXECUTOR_CODE_CACHE_MB: "1" });
    const { a, b } = await runThenDelete(h);
    const bNew = await h.invoke(revised(h, b));
    assert.equal(isCold(bNew), true);
    assert.equal(okResult(bNew), `bbbb:${600 * 1024}`, "served from the cache");
    const aNew = await h.invoke(revised(h, a));
    assert.equal(aNew.result.status, "error");
    assert.ok(aNew.result.status === "error");
    assert.equal(aNew.result.error.code, "code_unavailable");
    assert.match(aNew.result.error.message, /is not in the code store/);
  });

  test("the default 256 MiB cache keeps both bundles", async () => {
    await using h = await startExecutorHarness();
    const { a, b } = await runThenDelete(h);
    for (const fn of [a, b]) {
      const again = await h.invoke(revised(h, fn));
      assert.equal(isCold(again), true);
      assert.match(String(okResult(again)), /^(aaaa|bbbb):614400$/);
    }
  });
});

describe("FNMESH_EXECUTOR_CONCURRENCY and FNMESH_EXECUTOR_QUEUE_DEPTH", () => {
  // Invocations hold their slot until the test lets their fetch of a local server answer.
  let gate: Server;
  const held: ServerResponse[] = [];
  before(async () => {
    gate = createServer((_req: IncomingMessage, res: ServerResponse) => { held.push(res); });
    gate.listen(0, "127.0.0.1");
    await once(gate, "listening");
  });
  after(async () => {
    for (const res of held.splice(0)) res.end("late");
    gate?.closeAllConnections();
    gate?.close();
  });

  test("with 2 running and 1 waiting, a fourth invocation is refused with too_many_requests and the waiting one runs", async () => {
    const port = (gate.address() as AddressInfo).port;
    await using h = await startExecutorHarness({
      FNMESH_EXECUTOR_CONCURRENCY: "2", FNMESH_EXECUTOR_QUEUE_DEPTH: "1", FNMESH_EGRESS_ALLOW: `127.0.0.1:${port}`,
    });
    const fn = await deployFunction(h, `export const handler = async () => (await fetch("http://127.0.0.1:${port}/hold")).text();`, { timeoutSec: 60 });
    const running = [h.invoke(fn), h.invoke(fn)];
    await eventually(() => held.length === 2, { name: "two invocations hold their slots", timeoutMs: 60_000 });
    // Published in this order on one connection, so the third takes the queue's only place first.
    const waiting = h.invoke(fn);
    const refused = await h.invoke(fn);
    assert.equal(refused.result.status, "error");
    assert.ok(refused.result.status === "error");
    assert.equal(refused.result.error.code, "too_many_requests");
    assert.equal(held.length, 2, "the waiting invocation has not started");
    held.shift()?.end("first");
    await eventually(() => held.length === 2, { name: "the waiting invocation took the freed slot", timeoutMs: 60_000 });
    for (const res of held.splice(0)) res.end("later");
    const answers = (await Promise.all([...running, waiting])).map((inv) => okResult(inv));
    assert.deepEqual(answers.sort(), ["first", "later", "later"]);
  });
});
