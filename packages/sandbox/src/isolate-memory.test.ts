/**
 * What a warm isolate holds, which decides how many functions an executor keeps warm
 * (docs/density.md): the prelude's source once, one byte per character, and the memory the warm
 * pool charges it is what it holds resident, not V8's young-generation reserve.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createIsolateRuntime } from "./isolate-runtime.ts";
import { preludeSource } from "./prelude/index.ts";
import { disposable, esmBundle, testFunction } from "./sandbox-runtime.case.ts";

const MIB = 1024 * 1024;

test("an isolate keeps the prelude's source at one byte per character", async () => {
  await using rt = disposable(createIsolateRuntime);
  // process.memoryUsage().external is the isolate's externally allocated memory: its scripts' sources.
  const fn = testFunction(esmBundle(`const handler = async () => process.memoryUsage().external;`));
  const outcome = await rt.invoke({ requestId: "r", fn, event: "{}" });
  assert.ok(outcome.status === "ok");
  const external = Number(outcome.result);
  const chars = preludeSource().length;
  assert.ok(external >= chars && external < chars * 1.5, `external ${external} bytes for a prelude of ${chars} characters`);
});

test("warm isolates are charged what they hold resident: a thousand small ones fit the default budget", async () => {
  await using rt = disposable(createIsolateRuntime);
  const code = esmBundle(`const handler = async (event) => ({ ok: true, n: event.n });`);
  const count = 20;
  for (let i = 0; i < count; i++) {
    const fn = testFunction(code, { memoryMb: 128 }); // Lambda's default MemorySize
    const outcome = await rt.invoke({ requestId: `r${i}`, fn: { ...fn, key: `${fn.key}-${i}`, name: `${fn.name}-${i}` }, event: "{\"n\":1}" });
    assert.equal(outcome.status, "ok");
  }
  const stats = rt.stats();
  assert.equal(stats.idle, count);
  const perIsolate = stats.heapBytes / count;
  assert.ok(perIsolate < 2048 / 1000 * MIB, `${(perIsolate / MIB).toFixed(2)} MiB charged per warm isolate`);
});
