import { createHash } from "node:crypto";
import { Component, ErrorCode, FnmeshError, Limits } from "@fnmesh/protocol";

/** Base64 of a 50 MB zip inside CreateFunction's JSON. */
export const MAX_API_BODY_BYTES = 70 * 1024 * 1024;
/** Past this we stop draining an oversize body and let the connection go. */
const DRAIN_CAP_BYTES = 2 * MAX_API_BODY_BYTES;

export function bodyLimitFor(path: string): { limit: number; operation: string } {
  return path.endsWith("/invocations")
    ? { limit: Limits.syncPayloadBytes, operation: "InvokeFunction" }
    : { limit: MAX_API_BODY_BYTES, operation: "this" };
}

export interface ReadBody { body: Uint8Array; sha256: string }

const tooLarge = (limit: number, operation: string) =>
  new FnmeshError(ErrorCode.PayloadTooLarge, Component.Ingest, `Request must be smaller than ${limit} bytes for the ${operation} operation`);

/**
 * Reads the whole body, refusing more than `limit` bytes, and hashes it (SHA-256, hex) as it streams
 * in, for the signature check. A declared Content-Length over the limit is refused before reading;
 * an oversize chunked body is drained (up to a cap) before the 413 so the client reads a typed error
 * instead of a reset connection. Call only after the request's headers were authenticated.
 */
export async function readBody(req: Request, limit: number, operation: string): Promise<ReadBody> {
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit, operation);
  const hash = createHash("sha256");
  if (!req.body) return { body: new Uint8Array(), sha256: hash.digest("hex") };
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size <= limit) {
      chunks.push(chunk);
      hash.update(chunk);
    } else if (size > DRAIN_CAP_BYTES) break;
  }
  if (size > limit) throw tooLarge(limit, operation);
  return { body: Buffer.concat(chunks), sha256: hash.digest("hex") };
}
