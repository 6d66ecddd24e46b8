import assert from "node:assert/strict";
import { test } from "node:test";
import { WarmPool } from "./warm-pool.ts";
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
  assert.deepEqual(p.stats(), { isolates: 1, busy: 1, idle: 0, functions: 1, heapBytes: 10 });
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
