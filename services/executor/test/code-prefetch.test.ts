/**
 * Cold starts after CreateFunction or an update: when a function's view appears in FUNCTIONS_BUCKET
 * the executor fetches its bundle, compiles it and makes an isolate for it before anyone invokes it
 * (the first invocation is still a cold start that runs init), and a burst of first
 * invocations of a new function compiles it once. Counted through the runtime's stats, no clocks.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { BUNDLE_FORMAT_VERSION, buildBundle } from "@fnmesh/bundle";
import { codeKeys, subjects } from "@fnmesh/protocol";
import { openCodeStore } from "@fnmesh/service-kit";
import { eventually } from "@fnmesh/test-harness";
import { deployFunction, isCold, okResult, startExecutorHarness } from "./support.ts";

test("publishing a view brings its code to the executor, compiled, with an isolate made for it, before the first invocation", async () => {
  await using h = await startExecutorHarness();
  const fn = await deployFunction(h, `export const handler = async (e) => ({ got: e });`);
  assert.ok(fn.code.kind === "bundle");
  const before = h.executor.runtime.stats();
  await h.publish(fn);
  await eventually(() => {
    const now = h.executor.runtime.stats();
    assert.equal(now.compiledCodes, before.compiledCodes + 1);
    assert.equal(now.idle, before.idle + 1);
  }, { name: "the new function's code compiled and an isolate made", timeoutMs: 30_000 });
  assert.equal(h.executor.runtime.stats().coldStarts, before.coldStarts, "none of its code has run");
  // From here only the executor's memory can supply the bundle.
  await (await openCodeStore(h.nc)).delete(codeKeys.bundle(fn.code.sha256));
  const first = await h.invoke(fn, { a: 1 });
  assert.deepEqual(okResult(first), { got: { a: 1 } });
  assert.equal(isCold(first), true);
  const after = h.executor.runtime.stats();
  assert.equal(after.codeCompiles, before.codeCompiles + 1, "the invocation compiled nothing more");
  assert.deepEqual([after.isolates, after.coldStarts], [before.isolates + 1, before.coldStarts + 1], "it ran init in the isolate made ahead");

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

test("a bundle pushed on fnmesh.code.<sha256> is kept and run without the object store; bytes that do not match the hash are not", async () => {
  await using h = await startExecutorHarness();
  const built = await buildBundle({ files: new Map([["index.mjs", new TextEncoder().encode(`export const handler = async (e) => ({ pushed: e.n });`)]]), handler: "index.handler" });
  assert.ok(built.ok);
  const sha = built.sha256;
  // Bytes claiming to be this bundle but not it: ignored, so they can never run.
  h.nc.publish(subjects.codePushed(sha), new TextEncoder().encode(`export const handler = async () => "forged";`));
  h.nc.publish(subjects.codePushed(sha), new TextEncoder().encode(built.code));
  await h.nc.flush();
  // Never put in the object store: only the push can have brought it.
  const fn = h.spec({ kind: "bundle", sha256: sha, exportPath: built.exportPath, format: BUNDLE_FORMAT_VERSION });
  await eventually(async () => {
    const inv = await h.invoke(fn, { n: 7 });
    assert.deepEqual(okResult(inv), { pushed: 7 });
  }, { name: "the pushed bundle runs", timeoutMs: 30_000 });
});
