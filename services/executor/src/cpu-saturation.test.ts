import { test } from "node:test";
import assert from "node:assert/strict";
import { eventually } from "@fnmesh/test-harness";
import { watchCpuSaturation } from "./cpu-saturation.ts";

test("the cores' busy share and the event loop's utilization rise while this process spins", async () => {
  const cpu = watchCpuSaturation({ intervalMs: 50, threshold: 0.99 });
  try {
    // Spin in slices so the interval timer still runs: this process keeps at least one core busy.
    await eventually(async () => {
      const until = performance.now() + 45;
      while (performance.now() < until) { /* busy */ }
      await new Promise((r) => setImmediate(r));
      return cpu.busyShare > 0 && cpu.loopShare > 0.5;
    }, { name: "a busy share above zero" });
    assert.ok(cpu.busyShare > 0 && cpu.busyShare <= 1, `share ${cpu.busyShare}`);
    assert.ok(cpu.loopShare <= 1, `loop ${cpu.loopShare}`);
  } finally {
    cpu.stop();
  }
});
