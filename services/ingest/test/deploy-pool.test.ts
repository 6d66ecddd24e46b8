/**
 * The deploy pool with its real worker entry: past the queue, jobs are refused with Lambda's
 * throttle instead of waiting; a job's errors come back as the errors the route would throw.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createLogger } from "@fnmesh/telemetry";
import { createDeployPool } from "../src/deploy/deploy-pool.ts";
import { LambdaApiError } from "../src/lambda/errors.ts";

const log = createLogger({ service: "deploy-pool-test", write: () => undefined });
const body = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));
const small = () => body({ ZipFile: Buffer.from("not really a zip").toString("base64"), RevisionId: "r1" });

describe("deploy pool", () => {
  test("past the running and queued jobs, a job is refused with 429 TooManyRequestsException, Rate exceeded", async () => {
    const pool = createDeployPool({ size: 1, queueDepth: 1, log });
    try {
      const first = pool.run({ kind: "read-body", operation: "UpdateFunctionCode", body: small() });
      const second = pool.run({ kind: "read-body", operation: "UpdateFunctionCode", body: small() });
      await assert.rejects(pool.run({ kind: "read-body", operation: "UpdateFunctionCode", body: small() }), (err: unknown) =>
        err instanceof LambdaApiError && err.aws.status === 429 && err.aws.type === "TooManyRequestsException" &&
        err.aws.message === "Rate exceeded" && err.aws.extra?.Reason === "CallerRateLimitExceeded");
      // The admitted jobs still complete.
      for (const read of await Promise.all([first, second])) assert.deepEqual(read.fields, { RevisionId: "r1" });
    } finally {
      await pool.stop();
    }
  });

  test("the body's schema errors come back as Lambda's InvalidParameterValueException", async () => {
    const pool = createDeployPool({ size: 1, queueDepth: 1, log });
    try {
      await assert.rejects(pool.run({ kind: "read-body", operation: "CreateFunction", body: new TextEncoder().encode("{not json") }),
        (err: unknown) => err instanceof LambdaApiError && err.aws.status === 400 && err.aws.type === "InvalidParameterValueException" &&
          /^Could not parse request body into json: /.test(err.aws.message));
    } finally {
      await pool.stop();
    }
  });
});
