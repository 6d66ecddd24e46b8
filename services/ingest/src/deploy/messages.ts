/**
 * What ingest and its deploy processes send each other (deploy-child.ts), over IPC with large
 * buffers in chunks (chunked-ipc.ts). The sender keeps its own buffers.
 */
import type { BundleErrorCode, UserCodeErrorType } from "@fnmesh/bundle";
import type { CodeRef } from "@fnmesh/protocol";

/** The operations whose body carries a base64 zip, and where in the body it sits. */
export type DeployOperation = "CreateFunction" | "UpdateFunctionCode";

/** The zip from the body, decoded; problems are reported, and thrown by the caller in Lambda's order. */
export type DecodedZip =
  | { ok: true; bytes: Uint8Array; sha256Hex: string }
  | { ok: false; problem: "invalid_base64" | "too_large" };

/** Where a deploy process stores code: the code object store on this NATS (FNMESH_JS_REPLICAS copies). */
export interface CodeStoreAddress { natsUrl: string; replicas: number }

export type DeployJob =
  /** JSON.parse + schema check of the whole body, then base64 decode and SHA-256 of the zip. */
  | { kind: "read-body"; operation: DeployOperation; body: Uint8Array }
  /** unpackZip + buildBundle, then the zip and the bundle stored in the code object store. */
  | { kind: "store-code"; zip: Uint8Array; sha256Hex: string; handler: string; store: CodeStoreAddress }
  /** The stored zip read back, bundled for another handler, the bundle stored. */
  | { kind: "rebundle"; zipKey: string; handler: string; store: CodeStoreAddress };

export type BuiltCode =
  | { ok: true; code: Uint8Array; sha256: string; exportPath: string[] }
  | { ok: false; errorType: UserCodeErrorType | "Error"; errorMessage: string };

export type DeployResult =
  /** `fields`: the validated body without the zip string. `zip` is absent when the body has none. */
  | { kind: "read-body"; fields: Record<string, unknown>; zip?: DecodedZip }
  | { kind: "store-code"; codeRef: CodeRef }
  | { kind: "rebundle"; codeRef: CodeRef };

/** A failure as data (errors do not keep their class across processes). */
export type DeployFailure =
  | { kind: "bundle"; code: BundleErrorCode; message: string }
  | { kind: "api"; status: number; type: string; message: string }
  | { kind: "internal"; message: string }
  /** The stored zip a rebundle needs is gone. */
  | { kind: "code-unavailable"; message: string };

export type DeployReply = { ok: true; result: DeployResult } | { ok: false; failure: DeployFailure };
