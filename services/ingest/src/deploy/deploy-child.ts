/**
 * Entry of a deploy process (deploy-pool.ts forks it): runs one job at a time and answers with a
 * `DeployReply`. An error thrown by a job is a failure of that job; the process stays. Running
 * deploys in a process of their own, not a thread, means that even V8 aborting on its heap limit
 * (which can take a whole process down, not only a worker thread) costs one deploy, never ingest.
 */
import { BundleError } from "@fnmesh/bundle";
import { LambdaApiError } from "../lambda/errors.ts";
import { createChunkedReceiver, sendChunked } from "./chunked-ipc.ts";
import { bundleZip, readDeployBody } from "./jobs.ts";
import type { DeployFailure, DeployJob, DeployReply, DeployResult } from "./messages.ts";

if (!process.send) throw new Error("deploy-child.ts runs only as a forked process");

async function run(job: DeployJob): Promise<DeployResult> {
  switch (job.kind) {
    case "read-body":
      return readDeployBody(job.operation, job.body);
    case "bundle":
      return { kind: "bundle", built: await bundleZip(job.zip, job.handler) };
  }
}

function toFailure(err: unknown): DeployFailure {
  if (err instanceof BundleError) return { kind: "bundle", code: err.code, message: err.message };
  if (err instanceof LambdaApiError) return { kind: "api", status: err.aws.status, type: err.aws.type, message: err.aws.message };
  return { kind: "internal", message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
}

const reply = (value: DeployReply) => sendChunked(process, value).catch(() => process.exit(1));

process.on("message", createChunkedReceiver((job) => {
  run(job as DeployJob).then(
    (result) => reply({ ok: true, result }),
    (err: unknown) => reply({ ok: false, failure: toFailure(err) }),
  );
}));
// The parent going away closes the channel: nothing is left to do.
process.on("disconnect", () => process.exit(0));
