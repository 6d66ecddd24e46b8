/**
 * A saturated executor answers TooManyRequestsException (429, retryable) through the SDK instead
 * of queueing without bound; the running invocation still completes.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { CreateFunctionCommand, InvokeCommand, TooManyRequestsException } from "@aws-sdk/client-lambda";
import { eventually, randomName } from "@fnmesh/test-harness";
import { decodeJson, LogEvent, subjects } from "@fnmesh/protocol";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

let stack: Stack;
before(async () => { stack = await startStack({ executorEnv: { FNMESH_EXECUTOR_CONCURRENCY: "1", FNMESH_EXECUTOR_QUEUE_DEPTH: "0" } }); });
after(async () => { await stack?.[Symbol.asyncDispose](); });

test("past the executor's concurrency and queue, Invoke is TooManyRequestsException", async () => {
  const name = randomName("slow").replace(/_/g, "-");
  await stack.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs22.x", Role: "r", Handler: "index.handler",
    Code: { ZipFile: zipOf({ "index.mjs": "export const handler = async (e) => { await new Promise((r) => setTimeout(r, e.ms)); return e.ms; };" }) } }));
  const payload = (ms: number) => new TextEncoder().encode(JSON.stringify({ ms }));
  await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload(1) })); // warm, so the next one holds the slot
  // Wait until the slow invocation really holds the only slot: its START line is published.
  let started = false;
  const sub = stack.nc.subscribe(subjects.logs(name), { callback: (_e, m) => { if (decodeJson(LogEvent, m.data).line.startsWith("START")) started = true; } });
  const slow = stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload(2000) }));
  await eventually(() => started, { name: "slow invocation started", timeoutMs: 10_000 });
  sub.unsubscribe();
  await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload(1) })), (err: unknown) => {
    assert.ok(err instanceof TooManyRequestsException, `got ${(err as Error).name}`);
    assert.equal(err.$metadata.httpStatusCode, 429);
    assert.equal(err.Reason, "ConcurrentInvocationLimitExceeded");
    return true;
  });
  const done = await slow;
  assert.equal(new TextDecoder().decode(done.Payload), "2000");
});
