/**
 * Cold starts after CreateFunction or an update: when a function's view appears in FUNCTIONS_BUCKET
 * the executor fetches its bundle and compiles it before anyone invokes it, and a burst of first
 * invocations of a new function compiles it once. Counted through the runtime's stats, no clocks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { codeKeys } from "@fnmesh/protocol";
import { openCodeStore } from "@fnmesh/service-kit";
import { eventually } from "@fnmesh/test-harness";
import { deployFunction, isCold, okResult, startExecutorHarness } from "./support.ts";

test("publishing a view brings its code to the executor, compiled, before the first invocation", async () => {
  await using h = await startExecutorHarness();
  const fn = await deployFunction(h, `export const handler = async (e) => ({ got: e });`);
  assert.ok(fn.code.kind === "bundle");
  const before = h.executor.runtime.stats();
  await h.publish(fn);
  await eventually(() => assert.equal(h.executor.runtime.stats().compiledCodes, before.compiledCodes + 1),
    { name: "the new function's code compiled", timeoutMs: 30_000 });
  // From here only the executor's memory can supply the bundle.
  await (await openCodeStore(h.nc)).delete(codeKeys.bundle(fn.code.sha256));
  const first = await h.invoke(fn, { a: 1 });
  assert.deepEqual(okResult(first), { got: { a: 1 } });
  assert.equal(isCold(first), true);
  assert.equal(h.executor.runtime.stats().codeCompiles, before.codeCompiles + 1, "the invocation compiled nothing more");

  // An update (new revision, new code) is prefetched too.
  const updated = h.spec(await h.deploy(`export const handler = async () => "v2";`), { name: fn.name });
  await h.publish(updated);
  await eventually(() => assert.equal(h.executor.runtime.stats().compiledCodes, before.compiledCodes + 2),
    { name: "the update's code compiled", timeoutMs: 30_000 });
  assert.equal(okResult(await h.invoke(updated)), "v2");
});

test("a burst of first invocations of a new function compiles it once and all succeed", async () => {
  await using h = await startExecutorHarness();
  const fn = await deployFunction(h, `export const handler = async (e) => e.n + 1;`);
  const before = h.executor.runtime.stats().codeCompiles;
  await h.publish(fn);
  const results = await Promise.all(Array.from({ length: 16 }, (_, n) => h.invoke(fn, { n })));
  assert.deepEqual(results.map((inv) => okResult(inv)), Array.from({ length: 16 }, (_, n) => n + 1));
  assert.equal(h.executor.runtime.stats().codeCompiles, before + 1);
});
