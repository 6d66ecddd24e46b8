/**
 * Unpacks a deployment package (CreateFunction's `ZipFile`) into memory, enforcing Lambda's
 * size limit before anything is inflated.
 */
import { unzipSync } from "fflate";

import { BundleError, BundleErrorCode } from "./errors.ts";
import { toPackagePath } from "./package-path.ts";

/** Lambda's limit on the unzipped deployment package: 250 MiB = 262,144,000 bytes. */
export const DEFAULT_MAX_UNZIPPED_BYTES = 250 * 1024 * 1024;
/** Files per package; Lambda has no such limit, but each file costs a write at build time. */
export const DEFAULT_MAX_FILES = 20_000;

/** Limits for `unpackZip`; omitted fields take the defaults above. */
export interface UnzipLimits {
  maxUnzippedBytes?: number;
  maxFiles?: number;
}

/** Lambda's text for an upload it cannot unzip. contract: clients may match on it. */
const INVALID_ZIP_MESSAGE = "Could not unzip uploaded file. Please check your file, then try to upload again.";

/**
 * Returns the package's files keyed by normalised relative path ("src/index.js"); directory
 * entries are skipped. Throws `BundleError`: `invalid_zip` for a corrupt archive or an entry
 * that is absolute or escapes with "..", `code_too_large` past a limit.
 */
export function unpackZip(zip: Uint8Array, limits: UnzipLimits = {}): Map<string, Uint8Array> {
  const maxBytes = limits.maxUnzippedBytes ?? DEFAULT_MAX_UNZIPPED_BYTES;
  const maxFiles = limits.maxFiles ?? DEFAULT_MAX_FILES;
  let totalBytes = 0;
  let fileCount = 0;

  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(zip, {
      // Runs per entry before it is inflated, so limits hold whatever the archive contains:
      // fflate inflates into a buffer of the declared size, so a lying header truncates the
      // entry rather than growing memory; stored entries are copied at their compressed size.
      filter: (entry) => {
        if (entry.name.endsWith("/")) return false;
        toPackagePath(entry.name);
        fileCount += 1;
        totalBytes += entry.compression === 0 ? entry.size : entry.originalSize;
        if (fileCount > maxFiles) {
          throw new BundleError(
            BundleErrorCode.CodeTooLarge,
            `The deployment package has more than ${maxFiles} files.`,
          );
        }
        if (totalBytes > maxBytes) {
          throw new BundleError(
            BundleErrorCode.CodeTooLarge,
            `Unzipped size must be at most ${maxBytes} bytes; this package has at least ${totalBytes}.`,
          );
        }
        return true;
      },
    });
  } catch (error) {
    if (error instanceof BundleError) throw error;
    throw new BundleError(BundleErrorCode.InvalidZip, INVALID_ZIP_MESSAGE, { cause: error });
  }

  const files = new Map<string, Uint8Array>();
  for (const [name, data] of Object.entries(entries)) files.set(toPackagePath(name), data);
  return files;
}
