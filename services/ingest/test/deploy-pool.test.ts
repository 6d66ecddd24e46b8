/**
 * The deploy pool with its real process entry: past the queue, jobs are refused with Lambda's
 * throttle instead of waiting; a job's errors come back as the errors the route would throw; a
 * deploy process that dies (heap limit, kill -9) fails its own job and is replaced.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { getPriority } from "node:os";
import { describe, test } from "node:test";
import { isFnmeshError } from "@fnmesh/protocol";
import { createLogger } from "@fnmesh/telemetry";
import { createDeployPool, DEPLOY_NICENESS } from "../src/deploy/deploy-pool.ts";
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

describe("deploy processes", () => {
  test("a job that exhausts its process's heap fails alone; ingest's process lives on and the next job runs in a new process", async () => {
    const pool = createDeployPool({ size: 1, queueDepth: 1, log, heapLimitMb: 64 });
    try {
      // A valid JSON body whose text alone is several times the 64 MB heap once decoded and parsed.
      const huge = new TextEncoder().encode(JSON.stringify({ ZipFile: "A".repeat(200 * 1024 * 1024) }));
      await assert.rejects(pool.run({ kind: "read-body", operation: "UpdateFunctionCode", body: huge }),
        (err: unknown) => isFnmeshError(err) && err.code === "internal" && /deploy process failed/.test(err.message));
      assert.equal(pool.stats().crashed, 1);
      const next = await pool.run({ kind: "read-body", operation: "UpdateFunctionCode", body: small() });
      assert.deepEqual(next.fields, { RevisionId: "r1" });
    } finally {
      await pool.stop();
    }
  });

  test("deploy processes run below ingest's CPU priority, so a deploy yields the cores to requests", async () => {
    const pool = createDeployPool({ size: 1, queueDepth: 1, log });
    try {
      await pool.run({ kind: "read-body", operation: "UpdateFunctionCode", body: small() });
      const [pid] = deployChildren();
      assert.ok(pid !== undefined, "a deploy process runs");
      assert.equal(getPriority(pid), Math.min(19, getPriority() + DEPLOY_NICENESS), "DEPLOY_NICENESS above ingest's own niceness");
    } finally {
      await pool.stop();
    }
  });

  test("a deploy process killed mid-job fails that job only", async () => {
    const pool = createDeployPool({ size: 1, queueDepth: 2, log });
    try {
      await pool.run({ kind: "read-body", operation: "UpdateFunctionCode", body: small() });
      const pids = deployChildren();
      assert.equal(pids.length, 1, "one deploy process, started by the first job");
      const running = pool.run({ kind: "read-body", operation: "UpdateFunctionCode", body: small() });
      const queued = pool.run({ kind: "read-body", operation: "UpdateFunctionCode", body: small() });
      process.kill(pids[0]!, "SIGKILL");
      const settled = await Promise.allSettled([running, queued]);
      // The kill lands on whichever job the process holds at that moment (the first, or the queued
      // one if the first had already answered): that job fails, and only that one.
      const failed = settled.filter((r) => r.status === "rejected");
      assert.ok(failed.length <= 1, `one job failed at most, not ${failed.length}`);
      for (const f of failed) assert.ok(isFnmeshError(f.reason) && f.reason.code === "internal", String(f.reason));
      assert.equal((await pool.run({ kind: "read-body", operation: "UpdateFunctionCode", body: small() })).fields.RevisionId, "r1");
    } finally {
      await pool.stop();
    }
  });
});

/** Pids of this process's deploy children (deploy-child.ts), from /proc. */
function deployChildren(): number[] {
  const out: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && readFileSync(`/proc/${name}/cmdline`, "utf8").includes("deploy-child.ts")) out.push(Number(name));
    } catch { /* gone meanwhile */ }
  }
  return out;
}
