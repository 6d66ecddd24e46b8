/**
 * A saturated executor answers TooManyRequestsException (429, retryable) through the SDK instead
 * of queueing without bound; the running invocation still completes. The Reason says which limit:
 * an executor's own slots and queue are CallerRateLimitExceeded, kept apart from the account's and
 * a function's concurrency (ConcurrentInvocationLimitExceeded / ReservedFunction…, see
 * concurrency-limits.test.ts) so a 429 tells capacity from configured limits. The running invocation holds
 * its slot until the test releases it (its fetch waits on a local server), so nothing depends on
 * how fast this machine is.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { CreateFunctionCommand, InvokeCommand, TooManyRequestsException } from "@aws-sdk/client-lambda";
import { eventually, randomName } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

let gate: Server;
const held: ServerResponse[] = [];
let stack: Stack;
before(async () => {
  gate = createServer((_req: IncomingMessage, res: ServerResponse) => { held.push(res); });
  gate.listen(0, "127.0.0.1");
  await once(gate, "listening");
  const port = (gate.address() as AddressInfo).port;
  stack = await startStack({ executorEnv: {
    FNMESH_EXECUTOR_CONCURRENCY: "1", FNMESH_EXECUTOR_QUEUE_DEPTH: "0", FNMESH_EGRESS_ALLOW: `127.0.0.1:${port}`,
  } });
});
after(async () => {
  for (const res of held.splice(0)) res.end("late");
  await stack?.[Symbol.asyncDispose]();
  gate?.closeAllConnections();
  gate?.close();
});

test("past the executor's concurrency (1) and queue (0), Invoke is TooManyRequestsException; the running one completes", async () => {
  const port = (gate.address() as AddressInfo).port;
  const name = randomName("held").replace(/_/g, "-");
  await stack.lambda.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs22.x", Role: "arn:aws:iam::000000000000:role/test",
    Handler: "index.handler", Timeout: 120, Code: { ZipFile: zipOf({ "index.mjs":
      `export const handler = async (e) => e.hold ? (await fetch("http://127.0.0.1:${port}/hold")).text() : "quick";` }) } }));
  const payload = (hold: boolean) => new TextEncoder().encode(JSON.stringify({ hold }));

  const running = stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload(true) }));
  // The invocation holds the only slot once its request reaches the gate.
  await eventually(() => held.length === 1, { name: "the held invocation is running", timeoutMs: 60_000 });
  await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload(false) })), (err: unknown) => {
    assert.ok(err instanceof TooManyRequestsException, `got ${(err as Error).name}`);
    assert.equal(err.$metadata.httpStatusCode, 429);
    assert.equal(err.Reason, "CallerRateLimitExceeded");
    return true;
  });
  held.shift()?.end("released");
  const done = await running;
  assert.equal(done.FunctionError, undefined);
  assert.equal(JSON.parse(new TextDecoder().decode(done.Payload)), "released");
  // The slot is free again.
  const after = await stack.lambda.send(new InvokeCommand({ FunctionName: name, Payload: payload(false) }));
  assert.equal(JSON.parse(new TextDecoder().decode(after.Payload)), "quick");
});
