/**
 * Entry of a deploy process (deploy-pool.ts forks it): runs one job at a time and answers with a
 * `DeployReply`. An error thrown by a job is a failure of that job; the process stays. Running
 * deploys in a process of their own, not a thread, means that even V8 aborting on its heap limit
 * (which can take a whole process down, not only a worker thread) costs one deploy, never ingest.
 */
import { BUNDLE_FORMAT_VERSION, BundleError } from "@fnmesh/bundle";
import { codeKeys, type CodeRef } from "@fnmesh/protocol";
import { LambdaApiError } from "../lambda/errors.ts";
import { createChunkedReceiver, sendChunked } from "./chunked-ipc.ts";
import { codeConnectionAt, codeStoreAt, pushBundle, putIfAbsent } from "./code-store-client.ts";
import { bundleZip, readDeployBody } from "./jobs.ts";
import type { CodeStoreAddress, DeployFailure, DeployJob, DeployReply, DeployResult } from "./messages.ts";

if (!process.send) throw new Error("deploy-child.ts runs only as a forked process");

async function run(job: DeployJob): Promise<DeployResult> {
  switch (job.kind) {
    case "read-body":
      return readDeployBody(job.operation, job.body);
    case "store-code": {
      const store = await codeStoreAt(job.store);
      const codeRef = await bundleAndStore(job.zip, job.handler, job.store);
      await putIfAbsent(store, codeKeys.zip(job.sha256Hex), job.zip);
      return { kind: "store-code", codeRef };
    }
    case "rebundle": {
      const zip = await (await codeStoreAt(job.store)).getBlob(job.zipKey);
      if (!zip) throw new CodeUnavailable(`stored code ${job.zipKey} is missing from the code bucket`);
      return { kind: "rebundle", codeRef: await bundleAndStore(zip, job.handler, job.store) };
    }
  }
}

class CodeUnavailable extends Error {}

/** Bundles for `handler` and stores a runnable bundle; a handler that cannot be built is a CodeRef of kind error. */
async function bundleAndStore(zip: Uint8Array, handler: string, address: CodeStoreAddress): Promise<CodeRef> {
  const built = await bundleZip(zip, handler);
  if (!built.ok) return { kind: "error", errorType: built.errorType, errorMessage: built.errorMessage };
  const { nc, store } = await codeConnectionAt(address);
  await putIfAbsent(store, codeKeys.bundle(built.sha256), built.code);
  await pushBundle(nc, built.sha256, built.code).catch(() => undefined);
  return { kind: "bundle", sha256: built.sha256, exportPath: built.exportPath, format: BUNDLE_FORMAT_VERSION };
}

function toFailure(err: unknown): DeployFailure {
  if (err instanceof BundleError) return { kind: "bundle", code: err.code, message: err.message };
  if (err instanceof LambdaApiError) return { kind: "api", status: err.aws.status, type: err.aws.type, message: err.aws.message };
  if (err instanceof CodeUnavailable) return { kind: "code-unavailable", message: err.message };
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
