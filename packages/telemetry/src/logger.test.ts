import { test } from "node:test";
import assert from "node:assert/strict";
import { context, trace } from "@opentelemetry/api";
import { createLogger } from "./logger.ts";
import { startTelemetry } from "./telemetry.ts";

test("logger writes one JSON line with service, level filter and child fields", () => {
  const lines: string[] = [];
  const log = createLogger({ service: "svc", level: "info", write: (l) => lines.push(l) });
  log.debug("hidden");
  log.child({ instance: "i1" }).warn("careful", { count: 2, err: new Error("boom") });
  assert.equal(lines.length, 1);
  const rec = JSON.parse(lines[0] ?? "");
  assert.equal(rec.service, "svc");
  assert.equal(rec.level, "warn");
  assert.equal(rec.msg, "careful");
  assert.equal(rec.instance, "i1");
  assert.equal(rec.count, 2);
  assert.deepEqual(rec.err, { name: "Error", message: "boom" });
});

test("logger survives unserialisable fields", () => {
  const lines: string[] = [];
  const log = createLogger({ service: "svc", write: (l) => lines.push(l) });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  log.info("x", { cyclic, big: 1n });
  assert.match(lines[0] ?? "", /fields not serialisable/);
});

test("telemetry creates real trace ids that the logger reports", async () => {
  const lines: string[] = [];
  const t = startTelemetry({ service: "svc", write: (l) => lines.push(l) });
  const span = t.tracer.startSpan("op");
  context.with(trace.setSpan(context.active(), span), () => t.log.info("inside"));
  span.end();
  const rec = JSON.parse(lines[0] ?? "");
  assert.match(rec.traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(rec.traceId, "0".repeat(32));
  await t.stop();
});
