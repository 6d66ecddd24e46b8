/**
 * Entry of a deploy worker thread (deploy-pool.ts starts it): runs one job at a time and answers
 * with a `DeployReply`. An error thrown by a job is a failure of that job; the worker stays.
 */
import { parentPort } from "node:worker_threads";
import { BundleError } from "@fnmesh/bundle";
import { LambdaApiError } from "../lambda/errors.ts";
import { bundleZip, readDeployBody } from "./jobs.ts";
import { transferablesOf, type DeployFailure, type DeployJob, type DeployReply, type DeployResult } from "./messages.ts";

const port = parentPort;
if (!port) throw new Error("deploy-worker.ts runs only as a worker thread");

async function run(job: DeployJob): Promise<DeployResult> {
  switch (job.kind) {
    case "read-body":
      return readDeployBody(job.operation, job.body);
    case "bundle": {
      const built = await bundleZip(job.zip, job.handler);
      return { kind: "bundle", zip: job.zip, built };
    }
  }
}

function toFailure(err: unknown): DeployFailure {
  if (err instanceof BundleError) return { kind: "bundle", code: err.code, message: err.message };
  if (err instanceof LambdaApiError) return { kind: "api", status: err.aws.status, type: err.aws.type, message: err.aws.message };
  return { kind: "internal", message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

port.on("message", (job: DeployJob) => {
  run(job).then(
    (result) => port.postMessage({ ok: true, result } satisfies DeployReply, transferablesOf(result)),
    (err: unknown) => port.postMessage({ ok: false, failure: toFailure(err) } satisfies DeployReply),
  );
});
