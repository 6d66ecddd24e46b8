/**
 * A deploy that stores a bundle also pushes its bytes on `fnmesh.code.<sha256>`, so executors hold
 * the code before the function's view is written; the pushed bytes are exactly the stored bundle.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { connect } from "@nats-io/transport-node";
import { zipSync, strToU8 } from "fflate";
import { codeKeys, subjects } from "@fnmesh/protocol";
import { openCodeStore } from "@fnmesh/service-kit";
import { createLogger } from "@fnmesh/telemetry";
import { eventually, startNats } from "@fnmesh/test-harness";
import { createDeployPool } from "../src/deploy/deploy-pool.ts";

const log = createLogger({ service: "code-push-test", write: () => undefined });
const sha256Hex = (data: Uint8Array) => createHash("sha256").update(data).digest("hex");

test("storing a function's code pushes the stored bundle's bytes to fnmesh.code.<sha256>", async () => {
  await using nats = await startNats();
  const nc = await connect({ servers: nats.url });
  const pool = createDeployPool({ size: 1, queueDepth: 1, log });
  try {
    const pushed: { subject: string; data: Uint8Array }[] = [];
    nc.subscribe(subjects.codePushedAll, { callback: (_err, msg) => { pushed.push({ subject: msg.subject, data: msg.data }); } });
    await nc.flush();
    const zip = zipSync({ "index.mjs": strToU8("export const handler = async () => 42;\n") });
    const result = await pool.run({ kind: "store-code", zip, sha256Hex: sha256Hex(zip), handler: "index.handler", store: { natsUrl: nats.url, replicas: 1 } });
    assert.equal(result.kind, "store-code");
    const codeRef = result.kind === "store-code" ? result.codeRef : undefined;
    assert.ok(codeRef?.kind === "bundle");
    await eventually(() => assert.equal(pushed.length, 1), { name: "the bundle pushed", timeoutMs: 10_000 });
    const [push] = pushed;
    assert.equal(push?.subject, subjects.codePushed(codeRef.sha256));
    assert.equal(sha256Hex(push.data), codeRef.sha256);
    const stored = await (await openCodeStore(nc)).getBlob(codeKeys.bundle(codeRef.sha256));
    assert.deepEqual(stored, push.data);
  } finally {
    await pool.stop();
    await nc.close();
  }
});
