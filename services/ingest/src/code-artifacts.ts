/**
 * Turns an uploaded zip into stored artifacts: the zip (for re-bundling when Handler changes) and the
 * runnable bundle, both content-addressed in the code object store, plus the CodeRef executors use.
 * All of it runs in the deploy pool's processes — body parsing, base64, hashing, unzip, esbuild, and
 * the object store writes and reads, which for a 50 MB zip held this thread for tens of
 * milliseconds at a time; this thread only passes bytes along and gets references back.
 */
import { BundleError } from "@fnmesh/bundle";
import { codeKeys, Component, ErrorCode, FnmeshError, type CodeRef } from "@fnmesh/protocol";
import type { CodeUpdate } from "@fnmesh/store";
import type { DeployPool } from "./deploy/deploy-pool.ts";
import { MAX_ZIP_BYTES } from "./deploy/jobs.ts";
import type { CodeStoreAddress, DecodedZip, DeployOperation } from "./deploy/messages.ts";
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

export function createCodeArtifacts(pool: DeployPool, store: CodeStoreAddress): CodeArtifacts {
  return {
    async readDeployBody<O extends DeployOperation>(operation: O, body: Uint8Array) {
      const read = await pool.run({ kind: "read-body", operation, body });
      // The deploy process ran the operation's schema; the fields are that schema's output.
      return { fields: read.fields as unknown as DeployBodies[O], ...(read.zip ? { zip: read.zip } : {}) };
    },
    async fromZip(decoded, handler) {
      const { bytes, sha256Hex } = checkedZip(decoded);
      const done = await pool.run({ kind: "store-code", zip: bytes, sha256Hex, handler, store }).catch((err: unknown) => { throw toApiError(err); });
      return { codeSha256: Buffer.from(sha256Hex, "hex").toString("base64"), codeSize: bytes.length, zipKey: codeKeys.zip(sha256Hex), codeRef: done.codeRef };
    },
    async rebundle(zipKey, handler) {
      const done = await pool.run({ kind: "rebundle", zipKey, handler, store }).catch((err: unknown) => { throw toApiError(err); });
      return done.codeRef;
    },
  };
}
