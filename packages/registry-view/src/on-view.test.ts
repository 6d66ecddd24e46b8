/**
 * The resolver's onView listener against a real JetStream KV bucket: each view that becomes a
 * function's current one is reported once, whether it came from the watch or from `observe`;
 * deletes, older revisions and a failing listener change nothing else.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { functionViewKeys, type FunctionView } from "@fnmesh/protocol";
import { createLogger } from "@fnmesh/telemetry";
import { eventually, startNats } from "@fnmesh/test-harness";
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

test("onView: every view that becomes current is reported once, from the watch or observe; deletes and older revisions are not", async () => {
  await using nats = await startNats();
  await using nc = await connect({ servers: nats.url });
  const kv = await openFunctionBucket(nc);
  await kv.put(functionViewKeys.latest("a"), JSON.stringify(view("a", "a1")));
  const seen: string[] = [];
  const resolver = startFunctionResolver({
    kv, log: createLogger({ service: "test", write: () => undefined }),
    onView: (v) => { seen.push(`${v.name}:${v.revisionId}`); if (v.revisionId === "boom") throw new Error("listener failed"); },
  });
  await resolver.ready;
  assert.deepEqual(seen, ["a:a1"], "the bucket's values at start");

  await kv.put(functionViewKeys.latest("b"), JSON.stringify(view("b", "boom")));
  const a2 = await kv.put(functionViewKeys.latest("a"), JSON.stringify(view("a", "a2")));
  await eventually(() => assert.deepEqual(seen, ["a:a1", "b:boom", "a:a2"]), { name: "changes reported in order", timeoutMs: 10_000 });
  assert.equal(resolver.resolve("b")?.revisionId, "boom", "a failing listener does not stop the view");

  // Written by this process and observed before the watch delivers it: reported once, not again by the watch.
  const value = JSON.stringify(view("a", "a3"));
  const a3 = await kv.put(functionViewKeys.latest("a"), value);
  resolver.observe({ key: functionViewKeys.latest("a"), revision: a3, operation: "PUT", value: new TextEncoder().encode(value) });
  resolver.observe({ key: functionViewKeys.latest("a"), revision: a2, operation: "PUT", value: new TextEncoder().encode(JSON.stringify(view("a", "a2"))) });
  await kv.delete(functionViewKeys.latest("b"));
  await eventually(() => assert.equal(resolver.resolve("b"), undefined), { name: "b deleted", timeoutMs: 10_000 });
  assert.equal(resolver.revisionOf("a"), a3);
  assert.deepEqual(seen, ["a:a1", "b:boom", "a:a2", "a:a3"]);
  await resolver.stop();
});
