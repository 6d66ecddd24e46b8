/**
 * Two ingest replicas on one NATS and one PostgreSQL: a change made through one reaches the other's
 * invoke path through the function views' KV watch, and the replica that made it sees it on its
 * very next Invoke (read-your-writes).
 */
import { after, before, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { DeleteFunctionCommand, InvokeCommand, UpdateFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { eventually, printLogsOnFailure } from "@fnmesh/test-harness";
import { startIngestStack, type ExtraIngest, type IngestStack } from "./stack.ts";
import { createEnvEcho, fnName, invokeValue } from "./registry-support.ts";

let stack: IngestStack;
let b: ExtraIngest;
before(async () => {
  stack = await startIngestStack();
  b = await stack.startAnotherIngest();
});
after(async () => { await stack?.[Symbol.asyncDispose](); });
beforeEach((t) => { if ("after" in t) printLogsOnFailure(t, { "ingest A, B and executor": stack }); });

test("UpdateFunctionConfiguration through A: A's next Invoke returns the new value, B's eventually does", async () => {
  const name = fnName("rywupd");
  await createEnvEcho(stack.lambda, name, "one");
  // B learns of the new function from the watch.
  await eventually(() => invokeValue(b.lambda, name).then((v) => v === "one"), { name: "B invokes the created function", timeoutMs: 10_000 });

  for (const value of ["two", "three"]) {
    await stack.lambda.send(new UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: { VALUE: value } } }));
    assert.equal(await invokeValue(stack.lambda, name), value, "A reads its own write");
    await eventually(() => invokeValue(b.lambda, name).then((v) => v === value), { name: `B invokes with VALUE=${value}`, timeoutMs: 10_000 });
  }
});

test("DeleteFunction through A: A's next Invoke is ResourceNotFoundException, B's eventually is", async () => {
  const name = fnName("rywdel");
  await createEnvEcho(stack.lambda, name, "here");
  await eventually(() => invokeValue(b.lambda, name).then((v) => v === "here"), { name: "B invokes the created function", timeoutMs: 10_000 });

  await stack.lambda.send(new DeleteFunctionCommand({ FunctionName: name }));
  await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: name })), { name: "ResourceNotFoundException" });
  await eventually(() => b.lambda.send(new InvokeCommand({ FunctionName: name })).then(() => false, (err: Error) => err.name === "ResourceNotFoundException"),
    { name: "B answers ResourceNotFoundException", timeoutMs: 10_000 });
});

test("CreateFunction through B: B invokes it at once, A eventually", async () => {
  const name = fnName("bcreate");
  await createEnvEcho(b.lambda, name, "via-b");
  assert.equal(await invokeValue(b.lambda, name), "via-b", "B reads its own write");
  await eventually(() => invokeValue(stack.lambda, name).then((v) => v === "via-b"), { name: "A invokes the function B created", timeoutMs: 10_000 });
});
