import { test } from "node:test";
import assert from "node:assert/strict";
import { createRecentRuns, runKey } from "./recent-runs.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

test("a repeat of a running request waits for its reply; one after it ended gets the same reply", async () => {
  const recent = createRecentRuns({ ttlMs: 60_000, maxEntries: 10, maxBytes: 1024 });
  const key = runKey("r1", 1);
  assert.equal(recent.find(key), undefined);
  const run = recent.start(key);
  const joined = recent.find(key);
  assert.ok(joined instanceof Promise);
  run.done(bytes("reply"));
  assert.equal(text(await joined), "reply");
  const later = recent.find(key);
  assert.ok(later instanceof Uint8Array);
  assert.equal(text(later), "reply");
  assert.equal(recent.find(runKey("r1", 2)), undefined, "another attempt is another run");
});

test("a refused run is not kept, and whoever joined it is told to run for itself", async () => {
  const recent = createRecentRuns({ ttlMs: 60_000, maxEntries: 10, maxBytes: 1024 });
  const run = recent.start("k");
  const joined = recent.find("k");
  run.done(null);
  await assert.rejects(Promise.resolve(joined));
  assert.equal(recent.find("k"), undefined);
});

test("replies expire after ttlMs and are evicted oldest first past maxEntries or maxBytes", () => {
  let now = 1_000;
  const recent = createRecentRuns({ ttlMs: 100, maxEntries: 3, maxBytes: 10, now: () => now });
  for (const k of ["a", "b", "c"]) recent.start(k).done(bytes("12"));
  recent.start("d").done(bytes("12"));
  assert.equal(recent.find("a"), undefined, "past maxEntries the oldest goes");
  assert.equal(recent.size, 3);
  recent.start("e").done(bytes("123456"));
  // b, c, d, e hold 12 bytes > 10: b goes.
  assert.equal(recent.find("b"), undefined);
  assert.ok(recent.find("e") instanceof Uint8Array);
  now += 101;
  assert.equal(recent.find("e"), undefined, "expired");
  recent.start("f").done(bytes("x".repeat(11)));
  assert.equal(recent.find("f"), undefined, "a reply larger than maxBytes is never kept");
});
