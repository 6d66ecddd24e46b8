/**
 * Host side of the `zlib` built-in's brotli (@fnmesh/bundle's node-builtins/zlib.cjs): one-shot
 * brotliCompressSync/brotliDecompressSync by node:zlib, as no maintained brotli compressor is
 * pure JavaScript and isolates have no WebAssembly. The deflate family runs in the isolate.
 *
 * Synchronous on the host's main thread and metered as host work; one call is bounded up front,
 * since the meter charges a call only after it ran: brotli's default quality 11 compresses about
 * 1 MB/s on the reference machine (4 MiB took 4.1 s, quality 4 took 10 ms), so the input allowed
 * per call shrinks with the quality asked for; decompressed output is capped. Never throws: bad
 * input answers null, node:zlib's errors come back as `{ error: { name, message, code, errno } }`.
 */
import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";

/** Input bytes one brotliCompress call may take, by quality (0-11). */
export function maxBrotliInput(quality: number): number {
  if (quality >= 10) return 256 * 1024;
  if (quality >= 7) return 4 * 1024 * 1024;
  return 32 * 1024 * 1024;
}
/** Output bytes one brotliDecompress call may produce (the isolate must hold them anyway). */
export const MAX_BROTLI_OUTPUT = 64 * 1024 * 1024;

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;
const bytes = (buffer: Buffer): Uint8Array => new Uint8Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));

function wireError(err: unknown): unknown {
  if (!(err instanceof Error)) return null;
  const { code, errno } = err as { code?: unknown; errno?: unknown };
  return { error: { name: err.name, message: err.message, ...(typeof code === "string" ? { code } : {}), ...(typeof errno === "number" ? { errno } : {}) } };
}

/** Brotli parameters as numbers only (BROTLI_PARAM_* → value). */
function paramsOf(value: unknown): Record<number, number> | null {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object") return null;
  const params: Record<number, number> = {};
  for (const [key, v] of Object.entries(value)) {
    if (!/^\d+$/.test(key) || typeof v !== "number") return null;
    params[Number(key)] = v;
  }
  return params;
}

/** The `nodeZlib` bridge function: `brotliCompress(bytes, params)`, `brotliDecompress(bytes, maxOutputLength?)` → bytes. */
export function zlibHostCall(op: unknown, a: unknown, b: unknown): unknown {
  try {
    switch (op) {
      case "brotliCompress": {
        const params = paramsOf(b);
        if (!isBytes(a) || params === null) return null;
        const quality = params[constants.BROTLI_PARAM_QUALITY] ?? constants.BROTLI_DEFAULT_QUALITY;
        const limit = maxBrotliInput(quality);
        if (a.byteLength > limit) {
          return { error: { name: "RangeError", code: "ERR_FNMESH_HOST_WORK_LIMIT", message: `brotli compression of ${a.byteLength} bytes at quality ${quality} exceeds fnmesh's limit of ${limit} bytes per call at that quality (a lower BROTLI_PARAM_QUALITY allows more)` } };
        }
        return bytes(brotliCompressSync(a, { params }));
      }
      case "brotliDecompress": {
        if (!isBytes(a) || !(b === undefined || (typeof b === "number" && b >= 1))) return null;
        return bytes(brotliDecompressSync(a, { maxOutputLength: Math.min(b ?? MAX_BROTLI_OUTPUT, MAX_BROTLI_OUTPUT) }));
      }
      default:
        return null;
    }
  } catch (err) {
    return wireError(err);
  }
}
