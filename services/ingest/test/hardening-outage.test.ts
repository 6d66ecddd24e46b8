/**
 * While PostgreSQL is down, API calls answer 503 ServiceException (which the SDK retries as
 * transient) instead of a 500, and /healthz says "not ready" without the connection error's text.
 * Its own stack: the test stops the stack's PostgreSQL.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ListFunctionsCommand } from "@aws-sdk/client-lambda";
import { printLogsOnFailure } from "@fnmesh/test-harness";
import { lambdaClient, startIngestStack } from "./stack.ts";

test("PostgreSQL down: API calls are 503 ServiceException retried by the SDK; /healthz is 503 with no error text", async (t) => {
  await using stack = await startIngestStack();
  printLogsOnFailure(t, { "ingest and executor": stack });
  const healthy = await stack.lambda.send(new ListFunctionsCommand({}));
  assert.ok(Array.isArray(healthy.Functions));

  await stack.postgres.stop();

  // ListFunctions and GetFunction, signed.
  for (const path of ["/2015-03-31/functions", "/2015-03-31/functions/any"]) {
    const res = await stack.raw({ method: "GET", path }, {});
    assert.equal(res.status, 503, res.body);
    assert.equal(res.headers["x-amzn-errortype"], "ServiceException");
    const body = JSON.parse(res.body) as { message: string; Type: string };
    assert.equal(body.Type, "Service");
    assert.doesNotMatch(res.body, /ECONNREFUSED|127\.0\.0\.1|terminat/i);
  }

  // The SDK treats it as transient: with two attempts allowed it tries twice (@smithy/core's
  // TRANSIENT_ERROR_STATUS_CODES include 503), then raises ServiceException.
  const retrying = lambdaClient(stack.endpoint, 2);
  try {
    await assert.rejects(retrying.send(new ListFunctionsCommand({})), (err: Error & { $metadata?: { httpStatusCode?: number; attempts?: number } }) => {
      assert.equal(err.name, "ServiceException");
      assert.equal(err.$metadata?.httpStatusCode, 503);
      assert.equal(err.$metadata?.attempts, 2);
      return true;
    });
  } finally {
    retrying.destroy();
  }

  const health = await fetch(`${stack.endpoint}/healthz`);
  assert.equal(health.status, 503);
  const text = await health.text();
  assert.equal((JSON.parse(text) as { checks: Record<string, string> }).checks.postgres, "not ready");
  assert.doesNotMatch(text, /ECONNREFUSED|127\.0\.0\.1|error/i);
});
