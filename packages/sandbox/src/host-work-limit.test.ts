/**
 * The host-work limit against a real isolate: URL, crypto and structuredClone calls are charged to
 * the invocation, refused with a RangeError once its allowance is spent, and the next invocation
 * starts afresh. Counts, not clocks: every call costs at least PER_CALL_MS, so with a 1 ms burst
 * and a 0.1% share over a 2 s timeout at most (1 + 2) / PER_CALL_MS calls can be admitted.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { createIsolateRuntime } from "./isolate-runtime.ts";
import { PER_CALL_MS } from "./isolated-vm/host-work.ts";
import { disposable, esmBundle, invokeWith, ok, testFunction } from "./sandbox-runtime.case.ts";

const MAX_ADMITTED = Math.ceil((1 + 0.001 * 2000) / PER_CALL_MS) + 1;
const REFUSAL = /^fnmesh: host work limit reached: this invocation's URL, crypto and structuredClone calls have used [\d.]+ ms of the host's time in \d+ calls; the limit is 1 ms plus 0\.1% of the time elapsed since the invocation began$/;

const tight = () => disposable((options) => createIsolateRuntime(options), { hostWork: { burstMs: 1, share: 0.001 } });

const LOOP = (call: string) => esmBundle(`
const handler = async () => {
  let calls = 0;
  try {
    for (; calls < 100000; calls++) await (async () => { ${call} })();
    return { calls, refused: null };
  } catch (e) {
    const after = await (async () => { try { ${call}; return "admitted"; } catch (again) { return again.constructor.name; } })();
    return { calls, refused: { name: e.constructor.name, isRangeError: e instanceof RangeError, message: e.message, stack: e.stack }, after };
  }
};`);

for (const [name, call] of [
  ["URL parsing", `new URL("https://example.com/" + calls)`],
  ["crypto.subtle.digest", `await crypto.subtle.digest("SHA-256", new Uint8Array([calls & 255]))`],
  ["structuredClone", `structuredClone({ calls })`],
] as const) {
  test(`${name} is refused with a RangeError once the invocation's host-work allowance is spent`, async () => {
    await using rt = tight();
    const fn = testFunction(LOOP(call));
    const outcome = await invokeWith(rt, fn);
    const result = ok(outcome) as { calls: number; refused: { name: string; isRangeError: boolean; message: string; stack: string } | null; after: string };
    assert.ok(result.refused !== null, `never refused in ${result.calls} calls`);
    assert.ok(result.calls > 0 && result.calls <= MAX_ADMITTED, `${result.calls} calls admitted, at most ${MAX_ADMITTED} allowed`);
    assert.equal(result.refused.name, "RangeError");
    assert.equal(result.refused.isRangeError, true, "a RangeError of the isolate's own realm");
    assert.match(result.refused.message, REFUSAL);
    assert.ok(!/node_modules|sandbox\/src|node:internal/.test(result.refused.stack), `host frames leaked: ${result.refused.stack}`);
    assert.equal(result.after, "RangeError", "the allowance stays spent for the rest of the invocation");
    assert.ok(outcome.hostTimeMs >= result.calls * PER_CALL_MS, `hostTimeMs ${outcome.hostTimeMs} for ${result.calls} calls`);

    // A warm invocation gets a fresh allowance.
    const again = await invokeWith(rt, fn);
    assert.equal(again.cold, false);
    assert.ok((ok(again) as { calls: number }).calls > 0);
  });
}

test("host time is reported for every invocation, and is zero without host calls", async () => {
  await using rt = disposable((options) => createIsolateRuntime(options));
  const quiet = await invokeWith(rt, testFunction(esmBundle(`const handler = async () => 1 + 1;`)));
  assert.equal(quiet.hostTimeMs, 0);
  const busy = await invokeWith(rt, testFunction(esmBundle(`const handler = async () => { for (let i = 0; i < 50; i++) new URL("https://example.com/" + i); return 1; };`)));
  assert.ok(busy.hostTimeMs >= 50 * PER_CALL_MS, `hostTimeMs ${busy.hostTimeMs}`);
});

test("invalid host-work options are refused", () => {
  assert.throws(() => createIsolateRuntime({ hostWork: { share: 0 } }), /hostWork.share must be a number in \(0, 1\] \(got 0\)/);
  assert.throws(() => createIsolateRuntime({ hostWork: { burstMs: -1 } }), /hostWork.burstMs must be a positive number \(got -1\)/);
});
