/**
 * How many invocations an executor runs at once: an invocation awaiting I/O holds memory (its
 * isolate's heap), not a CPU slot, so with the README's defaults 200 invocations awaiting one
 * fetch are all in flight together; FNMESH_EXECUTOR_MEMORY_BUDGET_MB, covering busy and idle
 * isolates, is what bounds them. Concurrency is observed at a local HTTP server every invocation
 * fetches and which answers only when told to. Counts and outcomes only, no clocks.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { eventually } from "@fnmesh/test-harness";
import { deployFunction, okResult, startExecutorHarness } from "./support.ts";

const MIB = 1024 * 1024;

describe("invocations awaiting I/O hold memory, not a slot", () => {
  let gate: Server;
  let port = 0;
  const held: ServerResponse[] = [];
  before(async () => {
    gate = createServer((_req: IncomingMessage, res: ServerResponse) => { held.push(res); });
    gate.listen(0, "127.0.0.1");
    await once(gate, "listening");
    port = (gate.address() as AddressInfo).port;
  });
  after(async () => {
    for (const res of held.splice(0)) res.end("late");
    gate?.closeAllConnections();
    gate?.close();
  });

  const waiter = () => `export const handler = async () => (await fetch("http://127.0.0.1:${port}/hold")).text();`;

  test("with the defaults, 200 invocations awaiting a fetch are all in flight at once and all succeed, none throttled", async () => {
    await using h = await startExecutorHarness({ FNMESH_EGRESS_ALLOW: `127.0.0.1:${port}` });
    const fn = await deployFunction(h, waiter(), { timeoutSec: 120 });
    const calls = Array.from({ length: 200 }, () => h.invoke(fn));
    // Only possible if none waits for another to finish: every one is parked in its fetch together.
    await eventually(() => assert.equal(held.length, 200), { name: "200 invocations awaiting their fetch together", timeoutMs: 120_000 });
    assert.equal(h.executor.runtime.stats().busy, 200);
    for (const res of held.splice(0)) res.end("done");
    const results = await Promise.all(calls);
    assert.deepEqual(results.map((inv) => okResult(inv)), Array(200).fill("done"));
  });

  test("FNMESH_EXECUTOR_MEMORY_BUDGET_MB bounds them: past the budget, cold starts wait for memory and run as isolates come free", async () => {
    await using h = await startExecutorHarness({ FNMESH_EGRESS_ALLOW: `127.0.0.1:${port}`, FNMESH_EXECUTOR_MEMORY_BUDGET_MB: "64" });
    // About 10 MiB of heap per isolate, kept from init on.
    const fn = await deployFunction(h, `const KEEP = new Array(${(10 * MIB) / 8}).fill(0.5);\n${waiter()}`, { timeoutSec: 120 });
    const first = h.invoke(fn);
    await eventually(() => assert.equal(held.length, 1), { name: "the first invocation holds", timeoutMs: 60_000 });
    held.shift()?.end("first");
    assert.equal(okResult(await first), "first");
    const isolateBytes = h.executor.runtime.stats().heapBytes;
    assert.ok(isolateBytes > 10 * MIB && isolateBytes < 32 * MIB, `${isolateBytes} bytes`);
    // Each new isolate is charged its function's measured heap: this many fit the budget.
    const fits = Math.floor((64 * MIB) / isolateBytes);
    const calls = Array.from({ length: 12 }, () => h.invoke(fn));
    await eventually(() => {
      assert.equal(held.length, fits);
      assert.equal(h.executor.runtime.stats().waiting, 12 - fits);
    }, { name: `${fits} in flight, the rest waiting for memory`, timeoutMs: 60_000 });
    // Freed memory lets the next ones start; nothing is refused.
    while (held.length > 0) held.shift()?.end("done");
    await eventually(() => {
      for (const res of held.splice(0)) res.end("done");
      assert.equal(h.executor.runtime.stats().busy, 0);
    }, { name: "every waiting invocation ran", timeoutMs: 60_000 });
    const results = await Promise.all(calls);
    assert.deepEqual(results.map((inv) => okResult(inv)), Array(12).fill("done"));
  });
});
