import zlib from "node:zlib";
import type { Response } from "undici";

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);
const hasZstd = typeof zlib.createZstdDecompress === "function";

/**
 * Whether undici's fetch decoded this response's body: it does for gzip/x-gzip, deflate, br (and
 * zstd where Node has it), unless the method is HEAD, the status has no body, or any coding in
 * the list is unknown (then the body passes through still encoded). Mirrors
 * undici/lib/web/fetch/index.js, `onHeaders`.
 */
export function wasDecoded(method: string, status: number, contentEncoding: string | null): boolean {
  if (method === "HEAD" || NULL_BODY_STATUSES.has(status) || !contentEncoding) return false;
  return contentEncoding
    .toLowerCase()
    .split(",")
    .every((c) => ["gzip", "x-gzip", "deflate", "br"].includes(c.trim()) || (c.trim() === "zstd" && hasZstd));
}

/** Response headers as pairs (lower-case names; `set-cookie` kept one per line), minus the encoding framing when decoded. */
export function responseHeaders(response: Response, decoded: boolean): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of response.headers) {
    if (decoded && (name === "content-encoding" || name === "content-length")) continue;
    pairs.push([name, value]);
  }
  return pairs;
}

/**
 * Reads the (decoded) body, stopping as soon as it passes `limit` bytes: returns undefined then,
 * after cancelling the stream. The result is a fresh, exactly-sized Uint8Array, never a view into
 * a pooled Buffer, since it may be copied into a tenant's isolate.
 */
export async function readLimited(response: Response, limit: number): Promise<Uint8Array | undefined> {
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > limit) {
      reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}
