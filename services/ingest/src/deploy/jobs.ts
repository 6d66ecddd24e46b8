/**
 * The CPU-heavy part of a deploy, run inside a deploy worker: parse the request body, decode and
 * hash the zip, unzip and bundle. Pure functions of their input; deploy-child.ts calls them.
 */
import { createHash } from "node:crypto";
import { buildBundle, unpackZip } from "@fnmesh/bundle";
import { CreateFunctionBody, parseBody, UpdateFunctionCodeBody } from "../lambda/requests.ts";
import type { BuiltCode, DecodedZip, DeployOperation, DeployResult } from "./messages.ts";

/** Lambda's limit for a zip sent directly in the request. */
export const MAX_ZIP_BYTES = 50 * 1024 * 1024;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Parses and checks the body as the route would, then takes the zip out of it: a non-empty string
 * at `Code.ZipFile` (CreateFunction) or `ZipFile` (UpdateFunctionCode) is decoded and removed from
 * `fields`; anything else is left for the route's own checks.
 */
export function readDeployBody(operation: DeployOperation, body: Uint8Array): Extract<DeployResult, { kind: "read-body" }> {
  const fields: Record<string, unknown> = operation === "CreateFunction"
    ? parseBody(CreateFunctionBody, body)
    : parseBody(UpdateFunctionCodeBody, body);
  const holder = (operation === "CreateFunction" ? fields.Code : fields) as Record<string, unknown>;
  const zipFile = holder.ZipFile;
  if (typeof zipFile !== "string" || zipFile.length === 0) return { kind: "read-body", fields };
  delete holder.ZipFile;
  return { kind: "read-body", fields, zip: decodeZip(zipFile) };
}

function decodeZip(zipBase64: string): DecodedZip {
  const compact = zipBase64.replace(/\s+/g, "");
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) return { ok: false, problem: "invalid_base64" };
  const bytes = Buffer.from(compact, "base64");
  if (bytes.length > MAX_ZIP_BYTES) return { ok: false, problem: "too_large" };
  return { ok: true, bytes, sha256Hex: createHash("sha256").update(bytes).digest("hex") };
}

/** Unzips (throws `BundleError` for a bad or oversized package) and bundles for `handler`. */
export async function bundleZip(zip: Uint8Array, handler: string): Promise<BuiltCode> {
  const built = await buildBundle({ files: unpackZip(zip), handler });
  if (!built.ok) return { ok: false, errorType: built.errorType, errorMessage: built.errorMessage };
  // Encoded once here: the bytes are hashed into the bundle key and stored as they are.
  return { ok: true, code: new TextEncoder().encode(built.code), sha256: built.sha256, exportPath: built.exportPath };
}
