import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError, EnvReader, readCommonConfig, telemetryOptions } from "./env.ts";

const common = (env: Record<string, string>) => {
  const r = new EnvReader(env);
  const config = readCommonConfig(r);
  r.done("test");
  return config;
};

test("common settings become telemetry options; an unset OTLP endpoint is left out, not undefined", () => {
  assert.deepEqual(telemetryOptions("executor", common({})), { service: "executor", logLevel: "info" });
  assert.deepEqual(
    telemetryOptions("ingest", common({ FNMESH_LOG_LEVEL: "debug", FNMESH_OTLP_ENDPOINT: "http://127.0.0.1:4318/v1/traces" })),
    { service: "ingest", logLevel: "debug", otlpEndpoint: "http://127.0.0.1:4318/v1/traces" },
  );
});

test("every bad common setting is reported at once", () => {
  assert.throws(() => common({ NATS_URL: "http://x", FNMESH_LOG_LEVEL: "loud" }), (err: unknown) => {
    assert.ok(err instanceof ConfigError);
    assert.equal(err.problems.length, 2, err.message);
    return true;
  });
});

test("integers are plain decimal: hex, exponents, fractions and padding are refused, each by name", () => {
  const r = new EnvReader({ A: "0x10", B: "1e3", C: " 8 ", D: "2.5", E: "8", F: "-3" });
  assert.equal(r.int("A", 1, 0, 100), 1);
  assert.equal(r.int("B", 1, 0, 10_000), 1);
  assert.equal(r.int("C", 1, 0, 100), 1);
  assert.equal(r.int("D", 1, 0, 100), 1);
  assert.equal(r.int("E", 1, 0, 100), 8);
  assert.equal(r.int("F", 1, -5, 100), -3);
  assert.deepEqual(r.problems.map((p) => p.split(" ")[0]), ["A", "B", "C", "D"]);
});
