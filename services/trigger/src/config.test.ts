import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "@fnmesh/service-kit";
import { loadConfig } from "./config.ts";

test("defaults: retries from 1 s doubling to 60 s, 30 s ack wait", () => {
  const config = loadConfig({});
  assert.deepEqual(config.batches, { retryBaseMs: 1_000, retryMaxMs: 60_000, ackWaitMs: 30_000 });
});

test("every problem at once, including a cap below the base", () => {
  assert.throws(() => loadConfig({ FNMESH_TRIGGER_RETRY_BASE_MS: "5000", FNMESH_TRIGGER_RETRY_MAX_MS: "100", FNMESH_TRIGGER_ACK_WAIT_MS: "10" }), (err: ConfigError) => {
    assert.equal(err.problems.length, 2);
    assert.match(err.problems.join("\n"), /FNMESH_TRIGGER_ACK_WAIT_MS must be an integer in 1000\.\.600000/);
    assert.match(err.problems.join("\n"), /FNMESH_TRIGGER_RETRY_MAX_MS \(100\) must be at least FNMESH_TRIGGER_RETRY_BASE_MS \(5000\)/);
    return true;
  });
});
