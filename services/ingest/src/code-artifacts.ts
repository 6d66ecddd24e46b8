/**
 * Turns an uploaded zip into stored artifacts: the zip (for re-bundling when Handler changes) and the
 * runnable bundle, both content-addressed in the code object store, plus the CodeRef executors use.
 */
import { createHash } from "node:crypto";
import type { ObjectStore } from "@nats-io/obj";
import { BUNDLE_FORMAT_VERSION, BundleError, buildBundle, unpackZip } from "@fnmesh/bundle";
import { codeKeys, Component, ErrorCode, FnmeshError, type CodeRef } from "@fnmesh/protocol";
import type { CodeUpdate } from "@fnmesh/store";
import { invalidParameter } from "./lambda/errors.ts";

/** Lambda's limit for a zip sent directly in the request. */
export const MAX_ZIP_BYTES = 50 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface CodeArtifacts {
  /** Stores a base64 zip and bundles it for `handler`. */
  fromZipFile(zipBase64: string, handler: string): Promise<CodeUpdate>;
  /** Re-bundles an already stored zip, e.g. after the handler changed. */
  rebundle(zipKey: string, handler: string): Promise<CodeRef>;
}

function decodeZip(zipBase64: string): Uint8Array {
  const compact = zipBase64.replace(/\s+/g, "");
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw invalidParameter("Could not unzip uploaded file. Please check your file, then try to upload again. (ZipFile is not valid base64)");
  }
  const zip = Buffer.from(compact, "base64");
  if (zip.length > MAX_ZIP_BYTES) {
    throw new FnmeshError(ErrorCode.PayloadTooLarge, Component.Ingest, `Zipped size must be smaller than ${MAX_ZIP_BYTES} bytes`);
  }
  return zip;
}

function toApiError(err: unknown): unknown {
  if (err instanceof BundleError) return invalidParameter(err.message);
  return err;
}

export function createCodeArtifacts(store: ObjectStore): CodeArtifacts {
  async function putIfAbsent(key: string, data: Uint8Array): Promise<void> {
    if (await store.info(key)) return;
    await store.putBlob({ name: key }, data);
  }

  async function bundle(zip: Uint8Array, handler: string): Promise<CodeRef> {
    let files: Map<string, Uint8Array>;
    try {
      files = unpackZip(zip);
    } catch (err) {
      throw toApiError(err);
    }
    const built = await buildBundle({ files, handler }).catch((err: unknown) => { throw toApiError(err); });
    if (!built.ok) return { kind: "error", errorType: built.errorType, errorMessage: built.errorMessage };
    await putIfAbsent(codeKeys.bundle(built.sha256), new TextEncoder().encode(built.code));
    return { kind: "bundle", sha256: built.sha256, exportPath: built.exportPath, format: BUNDLE_FORMAT_VERSION };
  }

  return {
    async fromZipFile(zipBase64, handler) {
      const zip = decodeZip(zipBase64);
      const digest = createHash("sha256").update(zip).digest();
      const codeRef = await bundle(zip, handler);
      const zipKey = codeKeys.zip(digest.toString("hex"));
      await putIfAbsent(zipKey, zip);
      return { codeSha256: digest.toString("base64"), codeSize: zip.length, zipKey, codeRef };
    },
    async rebundle(zipKey, handler) {
      const zip = await store.getBlob(zipKey);
      if (!zip) throw new FnmeshError(ErrorCode.CodeUnavailable, Component.Ingest, `stored code ${zipKey} is missing from the code bucket`);
      return bundle(zip, handler);
    },
  };
}
