/**
 * resolveFresh against a real JetStream KV bucket: a caller that saw a newer revision than the
 * resolver holds gets that revision (read from the bucket, never a database), and a name nobody
 * wrote resolves as absent.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { functionViewKeys, type FunctionView } from "@fnmesh/protocol";
import { createLogger } from "@fnmesh/telemetry";
import { startNats } from "@fnmesh/test-harness";
import { openFunctionBucket } from "./bucket.ts";
import { startFunctionResolver } from "./resolver.ts";

const view = (name: string, revisionId: string): FunctionView => ({
  v: 1, name, revisionId, state: "Active",
  spec: {
    name, arn: `arn:aws:lambda:us-east-1:000000000000:function:${name}`, version: "$LATEST", revisionId,
    runtime: "nodejs22.x", handler: "index.handler", memoryMb: 128, timeoutSec: 3, env: {}, codeSha256: "x",
    code: { kind: "error", errorType: "Runtime.ImportModuleError", errorMessage: "none" },
  },
});

test("resolveFresh: with the watch stopped, a revision the caller saw is read from the bucket; older callers are answered from memory", async () => {
  await using nats = await startNats();
  await using nc = await connect({ servers: nats.url });
  const kv = await openFunctionBucket(nc);
  const first = await kv.put(functionViewKeys.latest("fresh-fn"), JSON.stringify(view("fresh-fn", "one")));
  const resolver = startFunctionResolver({ kv, log: createLogger({ service: "test", write: () => undefined }) });
  await resolver.ready;
  assert.equal(resolver.resolve("fresh-fn")?.revisionId, "one");
  assert.equal(resolver.revisionOf("fresh-fn"), first);
  // No watch from here on: only resolveFresh's own read can bring the newer value.
  await resolver.stop();
  const second = await kv.put(functionViewKeys.latest("fresh-fn"), JSON.stringify(view("fresh-fn", "two")));

  assert.equal((await resolver.resolveFresh("fresh-fn", first))?.revisionId, "one", "the held value is new enough");
  assert.equal((await resolver.resolveFresh("fresh-fn", second))?.revisionId, "two");
  assert.equal(resolver.revisionOf("fresh-fn"), second);
  assert.equal(resolver.resolve("fresh-fn")?.revisionId, "two", "kept for later calls");

  await kv.put(functionViewKeys.latest("late-fn"), JSON.stringify(view("late-fn", "late")));
  assert.equal(resolver.resolve("late-fn"), undefined);
  assert.equal((await resolver.resolveFresh("late-fn"))?.revisionId, "late", "a miss reads the bucket once");
  assert.equal(await resolver.resolveFresh("never-written"), undefined);
});
