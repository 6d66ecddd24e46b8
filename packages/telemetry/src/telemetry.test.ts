import { test } from "node:test";
import assert from "node:assert/strict";
import { context, trace, TraceFlags } from "@opentelemetry/api";
import { startTelemetry } from "./telemetry.ts";

test("with no OTLP endpoint, a trace the service starts gets ids but records nothing; a caller's sampled trace stays sampled", async () => {
  const telemetry = startTelemetry({ service: "telemetry-test", write: () => {} });
  const root = telemetry.tracer.startSpan("root");
  assert.equal(root.isRecording(), false, "no attributes kept per request");
  assert.match(root.spanContext().traceId, /^(?!0{32})[0-9a-f]{32}$/, "a trace id for logs and propagation");
  assert.equal(root.spanContext().traceFlags & TraceFlags.SAMPLED, 0);

  const parent = trace.setSpanContext(context.active(), { traceId: "ab".repeat(16), spanId: "cd".repeat(8), traceFlags: TraceFlags.SAMPLED, isRemote: true });
  const child = telemetry.tracer.startSpan("child", {}, parent);
  assert.equal(child.spanContext().traceId, "ab".repeat(16));
  assert.equal(child.spanContext().traceFlags & TraceFlags.SAMPLED, TraceFlags.SAMPLED);
  root.end();
  child.end();
  await telemetry.stop();
});
