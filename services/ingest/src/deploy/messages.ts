/**
 * What ingest's main thread and its deploy workers send each other (deploy-worker.ts). Buffers in
 * these messages are transferred, never copied: after `run`, the sender's view is detached.
 */
import type { BundleErrorCode, UserCodeErrorType } from "@fnmesh/bundle";

/** The operations whose body carries a base64 zip, and where in the body it sits. */
export type DeployOperation = "CreateFunction" | "UpdateFunctionCode";

/** The zip from the body, decoded; problems are reported, and thrown by the caller in Lambda's order. */
export type DecodedZip =
  | { ok: true; bytes: Uint8Array; sha256Hex: string }
  | { ok: false; problem: "invalid_base64" | "too_large" };

export type DeployJob =
  /** JSON.parse + schema check of the whole body, then base64 decode and SHA-256 of the zip. */
  | { kind: "read-body"; operation: DeployOperation; body: Uint8Array }
  /** unpackZip + buildBundle. The zip comes back (transferred) for the caller to store. */
  | { kind: "bundle"; zip: Uint8Array; handler: string };

export type BuiltCode =
  | { ok: true; code: Uint8Array; sha256: string; exportPath: string[] }
  | { ok: false; errorType: UserCodeErrorType; errorMessage: string };

export type DeployResult =
  /** `fields`: the validated body without the zip string. `zip` is absent when the body has none. */
  | { kind: "read-body"; fields: Record<string, unknown>; zip?: DecodedZip }
  | { kind: "bundle"; zip: Uint8Array; built: BuiltCode };

/** A failure as data (errors do not keep their class across threads). */
export type DeployFailure =
  | { kind: "bundle"; code: BundleErrorCode; message: string }
  | { kind: "api"; status: number; type: string; message: string }
  | { kind: "internal"; message: string };

export type DeployReply = { ok: true; result: DeployResult } | { ok: false; failure: DeployFailure };

/** The buffers a job or result hands over. */
export function transferablesOf(value: DeployJob | DeployResult): ArrayBuffer[] {
  const views: Uint8Array[] = [];
  if (value.kind === "read-body") {
    if ("body" in value) views.push(value.body);
    else if (value.zip?.ok) views.push(value.zip.bytes);
  } else {
    views.push(value.zip);
    if ("built" in value && value.built.ok) views.push(value.built.code);
  }
  return ownedBuffers(views);
}

/**
 * A view's buffer can be transferred only when the view is all of it (Node pools small Buffers
 * in shared slabs) and it is not shared; other views are copied by structured clone, which for
 * those is small.
 */
function ownedBuffers(views: Uint8Array[]): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const view of views) {
    const buffer = view.buffer;
    if (buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === buffer.byteLength) out.add(buffer);
  }
  return [...out];
}
