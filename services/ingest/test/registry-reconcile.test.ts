/**
 * PostgreSQL is the source of truth for the function views in NATS KV: when an ingest starts it
 * republishes a row whose key is missing or stale (as a crash between the PostgreSQL write and the
 * KV write would leave it) and removes keys that have no row.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { GetFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { Kvm, type KV } from "@nats-io/kv";
import { FUNCTIONS_BUCKET, FunctionView, functionViewKeys } from "@fnmesh/protocol";
import { eventually, printLogsOnFailure } from "@fnmesh/test-harness";
import { startIngestStack, type IngestStack } from "./stack.ts";
import { createEnvEcho, fnName, invokeValue, logRecords } from "./registry-support.ts";

let stack: IngestStack;
let nc: NatsConnection;
let kv: KV;
before(async () => {
  stack = await startIngestStack();
  nc = await connect({ servers: stack.natsUrl, name: "registry-reconcile-test" });
  kv = await new Kvm(nc).open(FUNCTIONS_BUCKET);
});
after(async () => { await nc?.close(); await stack?.[Symbol.asyncDispose](); });
beforeEach((t) => { if ("after" in t) printLogsOnFailure(t, { "ingest and executor": stack }); });

async function viewOf(name: string): Promise<FunctionView | undefined> {
  const e = await kv.get(functionViewKeys.latest(name));
  return e?.operation === "PUT" ? FunctionView.parse(e.json()) : undefined;
}

test("a missing key, a stale value and a key with no row are healed when an ingest starts", async () => {
  const missing = fnName("missing");
  const stale = fnName("stale");
  const ghost = fnName("ghost");
  const missingRev = await createEnvEcho(stack.lambda, missing, "m");
  const staleRev = await createEnvEcho(stack.lambda, stale, "s");
  // The stack's ingest has finished its own start-up reconciliation, so what follows is left for the next one.
  await eventually(() => logRecords(stack.logs(), "function views reconciled").some((r) => r.service === "ingest"),
    { name: "the first ingest reconciled", timeoutMs: 30_000 });

  await kv.delete(functionViewKeys.latest(missing));
  const current = await viewOf(stale);
  assert.ok(current);
  const older: FunctionView = { ...current, revisionId: "0-stale", spec: { ...current.spec, revisionId: "0-stale", env: { VALUE: "old" } } };
  await kv.put(functionViewKeys.latest(stale), JSON.stringify(older));
  await kv.put(functionViewKeys.latest(ghost), JSON.stringify({ ...older, name: ghost, spec: { ...older.spec, name: ghost } }));
  // Invocations follow the bucket, not PostgreSQL: the running ingest now serves what the bucket says.
  await eventually(() => stack.lambda.send(new InvokeCommand({ FunctionName: missing })).then(() => false, (err: Error) => err.name === "ResourceNotFoundException"),
    { name: "the deleted key makes the running ingest answer ResourceNotFoundException", timeoutMs: 10_000 });
  await eventually(() => invokeValue(stack.lambda, stale).then((v) => v === "old"), { name: "the running ingest serves the stale view", timeoutMs: 10_000 });

  await using restarted = await stack.startAnotherIngest();
  await eventually(async () => (await viewOf(missing))?.revisionId === missingRev, { name: "the missing key is republished", timeoutMs: 30_000 });
  await eventually(async () => (await viewOf(stale))?.revisionId === staleRev, { name: "the stale value is replaced", timeoutMs: 30_000 });
  await eventually(async () => (await viewOf(ghost)) === undefined, { name: "the key without a row is removed", timeoutMs: 30_000 });

  const healed = await viewOf(stale);
  assert.deepEqual(healed?.spec.env, { VALUE: "s" });
  const got = await restarted.lambda.send(new GetFunctionCommand({ FunctionName: stale }));
  assert.equal(healed?.revisionId, got.Configuration?.RevisionId);
  assert.equal(await invokeValue(restarted.lambda, missing), "m");
  await eventually(() => invokeValue(stack.lambda, stale).then((v) => v === "s"), { name: "the first ingest follows the healed view", timeoutMs: 10_000 });
});
