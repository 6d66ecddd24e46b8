/**
 * Turns an uploaded zip into stored artifacts: the zip (for re-bundling when Handler changes) and the
 * runnable bundle, both content-addressed in the code object store, plus the CodeRef executors use.
 * The CPU work (body parsing, base64, hashing, unzip, esbuild) runs in the deploy pool's processes;
 * this thread only stores results.
 */
import type { ObjectStore } from "@nats-io/obj";
import { BUNDLE_FORMAT_VERSION, BundleError } from "@fnmesh/bundle";
import { codeKeys, Component, ErrorCode, FnmeshError, type CodeRef } from "@fnmesh/protocol";
import type { CodeUpdate } from "@fnmesh/store";
import type { DeployPool } from "./deploy/deploy-pool.ts";
import { MAX_ZIP_BYTES } from "./deploy/jobs.ts";
import type { DecodedZip, DeployOperation } from "./deploy/messages.ts";
import { invalidParameter } from "./lambda/errors.ts";
import type { CreateFunctionBody, UpdateFunctionCodeBody } from "./lambda/requests.ts";

export type { DecodedZip } from "./deploy/messages.ts";

/** A deploy request's body, validated, with its zip taken out and decoded (not yet checked). */
export interface DeployBody<B> { fields: B; zip?: DecodedZip }
interface DeployBodies { CreateFunction: CreateFunctionBody; UpdateFunctionCode: UpdateFunctionCodeBody }

export interface CodeArtifacts {
  /**
   * Parses and validates a CreateFunction/UpdateFunctionCode body off this thread (the same
   * checks and errors as `parseBody`). `body` is transferred: it is empty here afterwards.
   */
  readDeployBody<O extends DeployOperation>(operation: O, body: Uint8Array): Promise<DeployBody<DeployBodies[O]>>;
  /** Stores a decoded zip and bundles it for `handler`; throws Lambda's errors for a bad zip. */
  fromZip(zip: DecodedZip, handler: string): Promise<CodeUpdate>;
  /** Re-bundles an already stored zip, e.g. after the handler changed. */
  rebundle(zipKey: string, handler: string): Promise<CodeRef>;
}

function checkedZip(zip: DecodedZip): Extract<DecodedZip, { ok: true }> {
  if (zip.ok) return zip;
  if (zip.problem === "too_large") {
    throw new FnmeshError(ErrorCode.PayloadTooLarge, Component.Ingest, `Zipped size must be smaller than ${MAX_ZIP_BYTES} bytes`);
  }
  throw invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again. (ZipFile is not valid base64)");
}

function toApiError(err: unknown): unknown {
  if (err instanceof BundleError) return invalidParameter(err.message);
  return err;
}

export function createCodeArtifacts(store: ObjectStore, pool: DeployPool): CodeArtifacts {
  async function putIfAbsent(key: string, data: Uint8Array): Promise<void> {
    if (await store.info(key)) return;
    await store.putBlob({ name: key }, data);
  }

  /** Bundles in a deploy process. */
  async function bundle(zip: Uint8Array, handler: string): Promise<{ zip: Uint8Array; codeRef: CodeRef }> {
    const done = await pool.run({ kind: "bundle", zip, handler }).catch((err: unknown) => { throw toApiError(err); });
    const built = done.built;
    if (!built.ok) return { zip, codeRef: { kind: "error", errorType: built.errorType, errorMessage: built.errorMessage } };
    await putIfAbsent(codeKeys.bundle(built.sha256), built.code);
    return { zip, codeRef: { kind: "bundle", sha256: built.sha256, exportPath: built.exportPath, format: BUNDLE_FORMAT_VERSION } };
  }

  return {
    async readDeployBody<O extends DeployOperation>(operation: O, body: Uint8Array) {
      const read = await pool.run({ kind: "read-body", operation, body });
      // The deploy process ran the operation's schema; the fields are that schema's output.
      return { fields: read.fields as unknown as DeployBodies[O], ...(read.zip ? { zip: read.zip } : {}) };
    },
    async fromZip(decoded, handler) {
      const { bytes, sha256Hex } = checkedZip(decoded);
      const codeSize = bytes.length;
      const { zip, codeRef } = await bundle(bytes, handler);
      const zipKey = codeKeys.zip(sha256Hex);
      await putIfAbsent(zipKey, zip);
      return { codeSha256: Buffer.from(sha256Hex, "hex").toString("base64"), codeSize, zipKey, codeRef };
    },
    async rebundle(zipKey, handler) {
      const zip = await store.getBlob(zipKey);
      if (!zip) throw new FnmeshError(ErrorCode.CodeUnavailable, Component.Ingest, `stored code ${zipKey} is missing from the code bucket`);
      return (await bundle(zip, handler)).codeRef;
    },
  };
}
