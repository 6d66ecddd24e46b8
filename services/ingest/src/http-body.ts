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

/**
 * Reads the whole body, refusing more than `limit` bytes. An oversize body is drained (up to a cap)
 * before the 413 so the client reads a typed error instead of a reset connection.
 */
export async function readBody(req: Request, limit: number, operation: string): Promise<Uint8Array> {
  if (!req.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req.body as unknown as AsyncIterable<Uint8Array>) {
    size += chunk.length;
    if (size <= limit) chunks.push(chunk);
    else if (size > DRAIN_CAP_BYTES) break;
  }
  if (size > limit) {
    throw new FnmeshError(ErrorCode.PayloadTooLarge, Component.Ingest,
      `Request must be smaller than ${limit} bytes for the ${operation} operation`);
  }
  return Buffer.concat(chunks);
}
