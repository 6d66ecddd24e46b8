/**
 * Cold starts of new code: `prepare` compiles a function's bundle into the code cache and makes an
 * isolate for it before its first invocation without running any of its code, and a burst of cold starts of the same new code
 * compiles it from source once, the others from the cache. Counted through the runtime's stats.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createIsolateRuntime } from "./isolate-runtime.ts";
import { disposable, esmBundle, failed, invokeWith, ok, testFunction } from "./sandbox-runtime.case.ts";

test("a burst of cold starts of one new function compiles its code once; every one runs", async () => {
  await using rt = disposable(createIsolateRuntime);
  const fn = testFunction(esmBundle(`const handler = async (e) => ({ n: e.n * 2 });`));
  const outcomes = await Promise.all(Array.from({ length: 12 }, (_, n) => invokeWith(rt, fn, { n })));
  assert.deepEqual(outcomes.map((o) => ok(o)), Array.from({ length: 12 }, (_, n) => ({ n: n * 2 })));
  const stats = rt.stats();
  assert.equal(stats.coldStarts, 12, "one isolate per concurrent invocation");
  assert.equal(stats.codeCompiles, 1, JSON.stringify(stats));
  assert.equal(stats.compiledCodes, 1);
});

test("prepare compiles code ahead of its first invocation without running it; that invocation compiles nothing", async () => {
  await using rt = disposable(createIsolateRuntime);
  let loads = 0;
  // Top-level code that would fail init if prepare ran it.
  const code = esmBundle(`if (globalThis.__ran) throw new Error("ran twice");\nglobalThis.__ran = true;\nconst handler = async () => "first run";`);
  const fn = testFunction(code, { loadCode: async () => { loads++; return code; } });
  await rt.prepare(fn);
  assert.deepEqual([rt.stats().codeCompiles, rt.stats().compiledCodes, rt.stats().coldStarts], [1, 1, 0]);
  assert.deepEqual([rt.stats().isolates, rt.stats().idle], [1, 1], "an isolate made ahead, idle");
  await rt.prepare(fn);
  assert.equal(loads, 1, "prepared code is not loaded again");
  const first = await invokeWith(rt, fn);
  assert.equal(ok(first), "first run");
  assert.equal(first.cold, true);
  assert.equal(rt.stats().codeCompiles, 1, "compiled from the cache prepare made");
  assert.deepEqual([rt.stats().isolates, rt.stats().coldStarts], [1, 1], "the first invocation took the prepared isolate and ran init in it");
  const second = await invokeWith(rt, fn);
  assert.equal(ok(second), "first run");
  assert.equal(second.cold, false);
});

test("prepare makes no isolate for a function that already has one", async () => {
  await using rt = disposable(createIsolateRuntime);
  const fn = testFunction(esmBundle(`const handler = async () => 1;`));
  assert.equal(ok(await invokeWith(rt, fn)), 1);
  await rt.prepare(fn);
  assert.deepEqual([rt.stats().isolates, rt.stats().coldStarts], [1, 1]);
  const again = await invokeWith(rt, fn);
  assert.equal(again.cold, false);
});

test("prepare never rejects: code that cannot load, or does not compile, is left for the invocation to report", async () => {
  await using rt = disposable(createIsolateRuntime);
  await rt.prepare(testFunction("", { loadCode: async () => { throw new Error("no such code"); } }));
  assert.equal(rt.stats().compiledCodes, 0);
  const broken = testFunction(`const handler = async () => {;\nconst userModule = { handler };\nexport { userModule };\n`);
  await rt.prepare(broken);
  assert.equal(failed(await invokeWith(rt, broken)).error.errorType, "Runtime.UserCodeSyntaxError");
});
