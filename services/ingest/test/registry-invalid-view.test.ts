/**
 * Function views are validated where they enter a resolver: a value in the bucket that is not a
 * valid FunctionView is logged, dead-lettered and skipped (its key resolves as absent), and every
 * other function still resolves.
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { InvokeCommand } from "@aws-sdk/client-lambda";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { Kvm, type KV } from "@nats-io/kv";
import { DLQ_STREAM, FUNCTIONS_BUCKET, functionViewKeys, Header, subjects } from "@fnmesh/protocol";
import { eventually, printLogsOnFailure } from "@fnmesh/test-harness";
import { startIngestStack, type IngestStack } from "./stack.ts";
import { createEnvEcho, fnName, invokeValue, logRecords } from "./registry-support.ts";

let stack: IngestStack;
let nc: NatsConnection;
let kv: KV;
before(async () => {
  stack = await startIngestStack();
  nc = await connect({ servers: stack.natsUrl, name: "registry-invalid-test" });
  kv = await new Kvm(nc).open(FUNCTIONS_BUCKET);
});
after(async () => { await nc?.close(); await stack?.[Symbol.asyncDispose](); });
beforeEach((t) => { if ("after" in t) printLogsOnFailure(t, { "ingest and executor": stack }); });

const skipped = (key: string) => logRecords(stack.logs(), "skipping invalid function view").filter((r) => r.key === key);

test("values that are not JSON or not a FunctionView are skipped with a log line and a dead letter; other functions resolve", async () => {
  const good = fnName("good");
  const broken = fnName("broken");
  await createEnvEcho(stack.lambda, good, "fine");
  await createEnvEcho(stack.lambda, broken, "was-fine");
  const notJson = fnName("notjson");
  const wrongShape = fnName("shape");

  await kv.put(functionViewKeys.latest(notJson), "{not json");
  await kv.put(functionViewKeys.latest(wrongShape), JSON.stringify({ v: 1, name: wrongShape }));
  // A later format this reader does not know replaces a function that worked.
  const future = JSON.stringify({ v: 2, name: broken, revisionId: "r", state: "Active" });
  await kv.put(functionViewKeys.latest(broken), future);

  await eventually(() => [notJson, wrongShape, broken].every((k) => skipped(k).length > 0),
    { name: "a log line for each invalid value", timeoutMs: 10_000 });
  assert.match(String(skipped(notJson)[0]?.problem), /not JSON/);
  assert.match(String(skipped(wrongShape)[0]?.problem), /spec/);

  // The invalid key resolves as absent (never as the view it replaced); the others are untouched.
  await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: broken })), { name: "ResourceNotFoundException" });
  await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: wrongShape })), { name: "ResourceNotFoundException" });
  assert.equal(await invokeValue(stack.lambda, good), "fine");

  // The last invalid value is kept on the dead-letter stream with its reason and original bytes.
  const jsm = await jetstreamManager(nc);
  const dead = await eventually(async () => {
    const m = await jsm.streams.getMessage(DLQ_STREAM, { last_by_subj: subjects.dlq("invalid_function_view") });
    if (m?.header.get(Header.OriginalSubject) !== `$KV.${FUNCTIONS_BUCKET}.${broken}`) throw new Error("not dead-lettered yet");
    return m;
  }, { name: "a dead letter for the last invalid view", timeoutMs: 10_000 });
  // The reason names the failing field: the version this reader does not accept.
  assert.match(dead.header.get(Header.DeadLetterReason), /(^|; )v: /);
  assert.equal(new TextDecoder().decode(dead.data), future);
});
