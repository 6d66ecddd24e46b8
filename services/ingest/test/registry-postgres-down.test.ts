/**
 * The invoke path reads no database: with PostgreSQL stopped after a function was created, Invoke
 * (sync and Event) still runs it from the function views in NATS KV, while the API calls that
 * belong to the registry (GetFunction) answer 503. Its own stack: the test stops PostgreSQL.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { GetFunctionCommand, InvokeCommand } from "@aws-sdk/client-lambda";
import { printLogsOnFailure } from "@fnmesh/test-harness";
import { startIngestStack } from "./stack.ts";
import { createEnvEcho, fnName, invokeValue } from "./registry-support.ts";

test("PostgreSQL stopped: Invoke (RequestResponse and Event) still succeeds; GetFunction is 503", async (t) => {
  await using stack = await startIngestStack();
  printLogsOnFailure(t, { "ingest and executor": stack });
  const name = fnName("pgdown");
  await createEnvEcho(stack.lambda, name, "from-view");

  await stack.postgres.stop();

  assert.equal(await invokeValue(stack.lambda, name), "from-view");
  const event = await stack.lambda.send(new InvokeCommand({ FunctionName: name, InvocationType: "Event", Payload: new TextEncoder().encode("{}") }));
  assert.equal(event.StatusCode, 202);
  // The registry's own calls still need PostgreSQL (see hardening-outage.test.ts for their error shape).
  await assert.rejects(stack.lambda.send(new GetFunctionCommand({ FunctionName: name })),
    (err: Error & { $metadata?: { httpStatusCode?: number } }) => {
      assert.equal(err.$metadata?.httpStatusCode, 503);
      return true;
    });
  // A name that was never created is still unknown without the database.
  await assert.rejects(stack.lambda.send(new InvokeCommand({ FunctionName: fnName("never") })), { name: "ResourceNotFoundException" });
});
