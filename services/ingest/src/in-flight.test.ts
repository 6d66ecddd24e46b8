import { test } from "node:test";
import assert from "node:assert/strict";
import { createInFlight } from "./in-flight.ts";

test("idle resolves when the last request leaves, or false on timeout", async () => {
  const f = createInFlight();
  assert.equal(await f.idle(10), true);
  f.enter(); f.enter();
  const waiting = f.idle(5_000);
  f.leave();
  assert.equal(f.count, 1);
  f.leave();
  assert.equal(await waiting, true);
  f.enter();
  assert.equal(await f.idle(20), false);
});
