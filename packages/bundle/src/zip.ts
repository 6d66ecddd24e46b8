/**
 * Unpacks a deployment package (CreateFunction's `ZipFile`) into memory, counting the bytes it
 * really produces against Lambda's unzipped-size limit and stopping the moment it is reached.
 * Sizes declared in the zip's headers are never trusted: a header claiming 1 KB for an entry that
 * inflates to 1 GiB is refused after 250 MiB of work, not after 1 GiB.
 */
import { crc32, inflateRawSync } from "node:zlib";

import { BundleError, BundleErrorCode } from "./errors.ts";
import { toPackagePath } from "./package-path.ts";
import { readZipDirectory, type ZipEntry } from "./zip-directory.ts";

/** Lambda's limit on the unzipped deployment package: 250 MiB = 262,144,000 bytes. */
export const DEFAULT_MAX_UNZIPPED_BYTES = 250 * 1024 * 1024;
/** Files per package; Lambda has no such limit, but each file costs a write at build time. */
export const DEFAULT_MAX_FILES = 20_000;

/** Limits for `unpackZip`; omitted fields take the defaults above. */
export interface UnzipLimits {
  /** The unzipped total must be smaller than this (Lambda's wording and check). */
  maxUnzippedBytes?: number;
  maxFiles?: number;
}

/** Lambda's text for an upload it cannot unzip. contract: clients may match on it. */
const INVALID_ZIP_MESSAGE = "Could not unzip uploaded file. Please check your file, then try to upload again.";

const STORED = 0;
const DEFLATED = 8;

/**
 * Lambda's InvalidParameterValueException text for a package over the limit, as AWS answers
 * CreateFunction/UpdateFunctionCode ("Unzipped size must be smaller than 262144000 bytes"; LocalStack
 * emulates the same text with a `>=` check). contract: clients may match on it.
 */
const tooLarge = (maxBytes: number) =>
  new BundleError(BundleErrorCode.CodeTooLarge, `Unzipped size must be smaller than ${maxBytes} bytes`);

const invalidZip = (cause?: unknown) =>
  new BundleError(BundleErrorCode.InvalidZip, INVALID_ZIP_MESSAGE, cause === undefined ? undefined : { cause });

/**
 * Returns the package's files keyed by normalised relative path ("src/index.js"); directory
 * entries are skipped. Stored entries are views into `zip`, not copies. Throws `BundleError`:
 * `invalid_zip` for a corrupt archive (bad structure, unknown compression, encryption, CRC
 * mismatch) or an entry that is absolute or escapes with "..", `code_too_large` past a limit.
 *
 * Synchronous and CPU-bound (up to 250 MiB of inflation): callers serving requests run it off
 * their event loop (ingest runs it in a worker thread).
 */
export function unpackZip(zip: Uint8Array, limits: UnzipLimits = {}): Map<string, Uint8Array> {
  const maxBytes = limits.maxUnzippedBytes ?? DEFAULT_MAX_UNZIPPED_BYTES;
  const maxFiles = limits.maxFiles ?? DEFAULT_MAX_FILES;

  let entries: ZipEntry[];
  try {
    entries = readZipDirectory(zip);
  } catch (error) {
    throw invalidZip(error);
  }

  const files = new Map<string, Uint8Array>();
  let totalBytes = 0;
  let fileCount = 0;
  for (const entry of entries) {
    if (entry.name.endsWith("/")) continue;
    const path = toPackagePath(entry.name);
    fileCount += 1;
    if (fileCount > maxFiles) {
      throw new BundleError(BundleErrorCode.CodeTooLarge, `The deployment package has more than ${maxFiles} files.`);
    }
    // The most this entry may produce while the total stays smaller than maxBytes.
    const allowance = maxBytes - 1 - totalBytes;
    const data = unpackEntry(entry, allowance, maxBytes);
    totalBytes += data.length;
    files.set(path, data);
  }
  return files;
}

function unpackEntry(entry: ZipEntry, allowance: number, maxBytes: number): Uint8Array {
  if (entry.encrypted) throw invalidZip(new Error(`${entry.name} is encrypted`));
  let data: Uint8Array;
  if (entry.method === STORED) {
    data = entry.data;
    if (data.length > allowance) throw tooLarge(maxBytes);
  } else if (entry.method === DEFLATED) {
    // zlib rather than fflate: `maxOutputLength` makes zlib stop as soon as its output passes the
    // allowance (it checks after every chunk), in native code; fflate inflates into a buffer of the
    // declared size and keeps decoding past its end, so a lying header cost seconds per entry.
    try {
      data = inflateRawSync(entry.data, { maxOutputLength: Math.max(1, allowance), chunkSize: 64 * 1024 });
    } catch (error) {
      if ((error as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") throw tooLarge(maxBytes);
      throw invalidZip(error);
    }
    if (data.length > allowance) throw tooLarge(maxBytes);
  } else {
    throw invalidZip(new Error(`${entry.name} uses compression method ${entry.method}`));
  }
  if (crc32(data) >>> 0 !== entry.crc >>> 0) throw invalidZip(new Error(`${entry.name} fails its CRC-32 check`));
  return data;
}
