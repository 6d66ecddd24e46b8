/**
 * loadConfig(env) against the README's configuration table: each executor variable's default, how
 * a set value is read, and that every bad value is reported at once in one ConfigError.
 */
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { test } from "node:test";
import { ConfigError } from "@fnmesh/service-kit";
import { loadConfig, type ExecutorConfig } from "./config.ts";

/** The executor's own settings, without the common ones (NATS_URL, log level, OTLP, JetStream replicas, mesh concurrency). */
function executorPart(config: ExecutorConfig): Omit<ExecutorConfig, "natsUrl" | "logLevel" | "otlpEndpoint" | "jsReplicas" | "maxConcurrency"> {
  const { natsUrl: _n, logLevel: _l, otlpEndpoint: _o, jsReplicas: _r, maxConcurrency: _m, ...rest } = config;
  return rest;
}

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail("expected a ConfigError, nothing was thrown");
}

test("with nothing set, every executor variable has the README's default", () => {
  assert.deepEqual(executorPart(loadConfig({})), {
    executorId: `${hostname()}-${process.pid}`,
    concurrency: 2048, // "FNMESH_EXECUTOR_MEMORY_BUDGET_MB (one per MiB)"
    queueDepth: 256,
    memoryBudgetMb: 2048,
    codeCacheMb: 256,
    egress: { allow: [], timeoutMs: 30_000, maxResponseBytes: 6 * 1024 * 1024, maxPending: 32 },
    hostWork: { burstMs: 250, share: 0.25 },
  });
});

test("the default concurrency follows the memory budget, one per MiB, so memory and not a count bounds what runs", () => {
  assert.equal(loadConfig({ FNMESH_EXECUTOR_MEMORY_BUDGET_MB: "4096" }).concurrency, 4096);
  assert.equal(loadConfig({ FNMESH_EXECUTOR_MEMORY_BUDGET_MB: "64" }).concurrency, 64);
  assert.equal(loadConfig({ FNMESH_EXECUTOR_MEMORY_BUDGET_MB: "4096", FNMESH_EXECUTOR_CONCURRENCY: "8" }).concurrency, 8);
});

test("an empty variable counts as unset and takes the default", () => {
  const config = loadConfig({
    FNMESH_EXECUTOR_ID: "", FNMESH_EXECUTOR_QUEUE_DEPTH: "", FNMESH_HOST_WORK_BURST_MS: "",
    FNMESH_EGRESS_ALLOW: "",
  });
  assert.equal(config.executorId, `${hostname()}-${process.pid}`);
  assert.equal(config.queueDepth, 256);
  assert.equal(config.hostWork.burstMs, 250);
  assert.deepEqual(config.egress.allow, []);
});

test("set values are read: integers, the share as a fraction, the egress allow list", () => {
  const config = loadConfig({
    FNMESH_EXECUTOR_ID: "exec-a",
    FNMESH_EXECUTOR_CONCURRENCY: "3",
    FNMESH_EXECUTOR_QUEUE_DEPTH: "0",
    FNMESH_EXECUTOR_MEMORY_BUDGET_MB: "64",
    FNMESH_EXECUTOR_CODE_CACHE_MB: "1",
    FNMESH_EGRESS_ALLOW: "*.example.com, 10.0.0.0/8,localhost:8080",
    FNMESH_FETCH_TIMEOUT_MS: "1500",
    FNMESH_FETCH_MAX_RESPONSE_BYTES: "1024",
    FNMESH_FETCH_MAX_PENDING: "1",
    FNMESH_HOST_WORK_BURST_MS: "40",
    FNMESH_HOST_WORK_SHARE_PERCENT: "100",
  });
  assert.deepEqual(executorPart(config), {
    executorId: "exec-a",
    concurrency: 3,
    queueDepth: 0,
    memoryBudgetMb: 64,
    codeCacheMb: 1,
    egress: { allow: ["*.example.com", "10.0.0.0/8", "localhost:8080"], timeoutMs: 1500, maxResponseBytes: 1024, maxPending: 1 },
    hostWork: { burstMs: 40, share: 1 },
  });
  assert.equal(loadConfig({ FNMESH_HOST_WORK_SHARE_PERCENT: "1" }).hostWork.share, 0.01);
});

test("every malformed or out-of-range executor variable is reported at once, each naming its variable", () => {
  const bad: Record<string, string> = {
    FNMESH_EXECUTOR_CONCURRENCY: "0",
    FNMESH_EXECUTOR_QUEUE_DEPTH: "-1",
    FNMESH_EXECUTOR_MEMORY_BUDGET_MB: "lots",
    FNMESH_EXECUTOR_CODE_CACHE_MB: "1.5",
    FNMESH_EGRESS_ALLOW: "not a host!",
    FNMESH_FETCH_TIMEOUT_MS: "99",
    FNMESH_FETCH_MAX_RESPONSE_BYTES: "1e12",
    FNMESH_FETCH_MAX_PENDING: "ten",
    FNMESH_HOST_WORK_BURST_MS: "0",
    FNMESH_HOST_WORK_SHARE_PERCENT: "101",
  };
  const err = configError(() => loadConfig(bad));
  assert.equal(err.problems.length, Object.keys(bad).length, err.message);
  for (const [name, value] of Object.entries(bad)) {
    const problem = err.problems.find((p) => p.startsWith(`${name} `) || p.startsWith(`${name}:`));
    assert.ok(problem, `no problem reported for ${name}: ${err.message}`);
    if (name !== "FNMESH_EGRESS_ALLOW") assert.ok(problem.includes(JSON.stringify(value)), `${problem} does not quote the value`);
  }
  assert.match(err.message, /^invalid executor configuration:\n {2}- /);
});

test("bad executor variables are reported together with bad common ones", () => {
  const err = configError(() => loadConfig({ NATS_URL: "http://127.0.0.1:4222", FNMESH_EXECUTOR_QUEUE_DEPTH: "many" }));
  assert.equal(err.problems.length, 2, err.message);
  assert.ok(err.problems.some((p) => p.startsWith("NATS_URL ")), err.message);
  assert.ok(err.problems.some((p) => p.startsWith("FNMESH_EXECUTOR_QUEUE_DEPTH ")), err.message);
});

test("the limits of each range are accepted", () => {
  const low = loadConfig({
    FNMESH_EXECUTOR_CONCURRENCY: "1", FNMESH_EXECUTOR_QUEUE_DEPTH: "0", FNMESH_EXECUTOR_MEMORY_BUDGET_MB: "64",
    FNMESH_EXECUTOR_CODE_CACHE_MB: "1", FNMESH_FETCH_TIMEOUT_MS: "100",
    FNMESH_FETCH_MAX_RESPONSE_BYTES: "1024", FNMESH_FETCH_MAX_PENDING: "1", FNMESH_HOST_WORK_BURST_MS: "1",
    FNMESH_HOST_WORK_SHARE_PERCENT: "1",
  });
  assert.deepEqual([low.concurrency, low.queueDepth, low.memoryBudgetMb, low.codeCacheMb], [1, 0, 64, 1]);
  assert.deepEqual([low.egress.timeoutMs, low.egress.maxResponseBytes, low.egress.maxPending], [100, 1024, 1]);
  assert.deepEqual(low.hostWork, { burstMs: 1, share: 0.01 });
  // One past the lower limit is refused (the malformed test above covers the others).
  for (const [name, value] of [["FNMESH_EXECUTOR_MEMORY_BUDGET_MB", "63"], ["FNMESH_EXECUTOR_CODE_CACHE_MB", "0"], ["FNMESH_FETCH_MAX_RESPONSE_BYTES", "1023"]] as const) {
    assert.equal(configError(() => loadConfig({ [name]: value })).problems.length, 1, name);
  }
});
