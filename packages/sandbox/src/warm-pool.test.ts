import assert from "node:assert/strict";
import { test } from "node:test";
import { NEW_ENTRY_BYTES, WarmPool } from "./warm-pool.ts";
import type { Pooled } from "./warm-pool.ts";

class Entry implements Pooled {
  disposed = false;
  usable = true;
  readonly key: string;
  readonly name: string;
  readonly heapBytes: number;
  constructor(name: string, key: string, heapBytes = 10) {
    this.name = name;
    this.key = key;
    this.heapBytes = heapBytes;
  }
  dispose(): void {
    this.disposed = true;
    this.usable = false;
  }
}

const pool = (budget = 1000, idleTtlMs = 60_000) => new WarmPool<Entry>({ memoryBudgetBytes: budget, idleTtlMs });

test("an idle entry serves its key again; a busy one does not", () => {
  const p = pool();
  assert.equal(p.acquire("f", "f:1"), undefined);
  const a = new Entry("f", "f:1");
  p.add(a);
  assert.equal(p.acquire("f", "f:1"), undefined);
  p.release(a, true);
  assert.equal(p.acquire("f", "f:1"), a);
  assert.deepEqual(p.stats(), { isolates: 1, busy: 1, idle: 0, functions: 1, heapBytes: 10, waiting: 0 });
  p.clear();
});

test("a new key retires the name's older entries, idle now and busy on release", () => {
  const p = pool();
  const idle = new Entry("f", "f:1");
  const busy = new Entry("f", "f:1");
  p.add(idle);
  p.add(busy);
  p.release(idle, true);
  assert.equal(p.acquire("f", "f:2"), undefined);
  assert.equal(idle.disposed, true);
  p.release(busy, true);
  assert.equal(busy.disposed, true);
  assert.equal(p.stats().isolates, 0);
});

test("entries released as not reusable, or no longer usable, are disposed", () => {
  const p = pool();
  const a = new Entry("f", "f:1");
  p.add(a);
  p.release(a, false);
  assert.equal(a.disposed, true);
  const b = new Entry("f", "f:1");
  p.add(b);
  p.release(b, true);
  b.usable = false;
  assert.equal(p.acquire("f", "f:1"), undefined);
  assert.equal(b.disposed, true);
});

test("least recently used idle entries go first when over budget", () => {
  const p = pool(25);
  const [a, b, c] = [new Entry("a", "a:1"), new Entry("b", "b:1"), new Entry("c", "c:1")];
  for (const e of [a, b, c]) p.add(e);
  p.release(a, true);
  p.release(b, true);
  p.release(c, true);
  assert.deepEqual([a.disposed, b.disposed, c.disposed], [true, false, false]);
  p.clear();
});

test("idle entries expire idleTtlMs after their release, not before; taking one stops its clock", (t) => {
  t.mock.timers.enable({ apis: ["setTimeout"] });
  const p = pool(1000, 20);
  const [a, b] = [new Entry("a", "a:1"), new Entry("b", "b:1")];
  p.add(a);
  p.add(b);
  p.release(a, true);
  t.mock.timers.tick(10);
  p.release(b, true);
  t.mock.timers.tick(9);
  assert.deepEqual([a.disposed, b.disposed], [false, false]);
  t.mock.timers.tick(1);
  assert.deepEqual([a.disposed, b.disposed], [true, false]);
  assert.equal(p.acquire("b", "b:1"), b);
  t.mock.timers.tick(60_000);
  assert.equal(b.disposed, false, "a busy entry never expires");
  p.release(b, true);
  t.mock.timers.tick(20);
  assert.equal(b.disposed, true);
  assert.equal(p.stats().isolates, 0);
});

/** Whether `promise` has settled once pending callbacks have run. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  void promise.then(() => { done = true; }, () => { done = true; });
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

test("busy and idle entries share the budget: a reservation evicts idle entries least recently used first", async () => {
  const p = pool(3 * NEW_ENTRY_BYTES);
  const [a, b] = [new Entry("a", "a:1", NEW_ENTRY_BYTES), new Entry("b", "b:1", NEW_ENTRY_BYTES)];
  for (const e of [a, b]) p.add(e, await p.reserve(e.key));
  p.release(a, true);
  p.release(b, true);
  const busy = new Entry("c", "c:1", NEW_ENTRY_BYTES);
  p.add(busy, await p.reserve("c:1"));
  assert.deepEqual([a.disposed, b.disposed], [false, false], "three fit");
  const reserved = await p.reserve("d:1");
  assert.equal(reserved, NEW_ENTRY_BYTES);
  assert.deepEqual([a.disposed, b.disposed], [true, false], "the older idle entry made room");
  p.unreserve(reserved);
  p.clear();
});

test("a reservation waits while busy entries fill the budget and goes ahead, in order, as they are released", async () => {
  const p = pool(2 * NEW_ENTRY_BYTES);
  const [a, b] = [new Entry("a", "a:1", NEW_ENTRY_BYTES), new Entry("b", "b:1", NEW_ENTRY_BYTES)];
  for (const e of [a, b]) p.add(e, await p.reserve(e.key));
  const first = p.reserve("c:1");
  const second = p.reserve("d:1");
  assert.equal(await settled(first), false);
  assert.equal(p.stats().waiting, 2);
  p.release(a, false);
  assert.equal(await settled(first), true);
  assert.equal(await settled(second), false, "one freed isolate makes room for one");
  p.release(b, true);
  assert.equal(await settled(second), true, "an idle entry is evicted for a waiting cold start");
  assert.equal(b.disposed, true);
  p.unreserve(await first);
  p.unreserve(await second);
  assert.equal(p.stats().waiting, 0);
  p.clear();
});

test("with nothing busy a reservation always succeeds, whatever the budget; a key's next one is charged its measured heap", async () => {
  const p = pool(1);
  const big = new Entry("f", "f:1", 50 * NEW_ENTRY_BYTES);
  const reserved = await p.reserve("f:1");
  assert.equal(reserved, NEW_ENTRY_BYTES, "never measured: the default");
  p.add(big, reserved);
  p.release(big, true);
  assert.equal(big.disposed, true, "over budget once idle");
  assert.equal(await p.reserve("f:1"), 50 * NEW_ENTRY_BYTES, "its last measured heap");
  p.clear();
});

test("clear wakes waiting reservations", async () => {
  const p = pool(NEW_ENTRY_BYTES);
  const a = new Entry("a", "a:1", NEW_ENTRY_BYTES);
  p.add(a, await p.reserve("a:1"));
  const waiting = p.reserve("b:1");
  assert.equal(await settled(waiting), false);
  p.clear();
  assert.equal(await settled(waiting), true);
});

test("a prepared entry is taken only when its key has no used idle entry, once, and does not change the current key", () => {
  const p = pool(10 * NEW_ENTRY_BYTES);
  const used = new Entry("f", "f:1");
  p.add(used);
  p.release(used, true);
  const prepared = new Entry("f", "f:1", 0);
  p.addPrepared(prepared);
  assert.equal(p.acquire("f", "f:1"), used, "the used one first");
  const next = p.acquire("f", "f:1");
  assert.equal(next, prepared);
  assert.equal(p.takePrepared(prepared), true);
  assert.equal(p.takePrepared(prepared), false);
  const newer = new Entry("f", "f:2", 0);
  p.addPrepared(newer);
  p.release(used, true);
  assert.equal(used.disposed, false, "f:1 is still current");
  assert.equal(p.acquire("f", "f:2"), newer);
  assert.equal(used.disposed, true, "taking f:2 retired f:1");
  p.clear();
});

test("prepared entries are evicted before used ones, and at most maxPrepared are kept", () => {
  const p = new WarmPool<Entry>({ memoryBudgetBytes: 3 * NEW_ENTRY_BYTES, idleTtlMs: 60_000, maxPrepared: 2 });
  const used = new Entry("u", "u:1", NEW_ENTRY_BYTES);
  p.add(used);
  p.release(used, true);
  const [a, b, c] = [new Entry("a", "a:1", 0), new Entry("b", "b:1", 0), new Entry("c", "c:1", 0)];
  p.addPrepared(a);
  p.addPrepared(b);
  assert.deepEqual([used.disposed, a.disposed, b.disposed], [false, false, false], "three fit, each charged NEW_ENTRY_BYTES");
  p.addPrepared(c);
  assert.deepEqual([used.disposed, a.disposed, b.disposed, c.disposed], [false, true, false, false], "the oldest prepared went first");
  assert.equal(p.has("b:1"), true);
  assert.equal(p.has("a:1"), false);
  p.clear();
});
