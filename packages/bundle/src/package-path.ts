/**
 * The one rule for file paths inside a deployment package, shared by `unpackZip` and `buildBundle`
 * so that no path from a zip can point outside the directory it is written to (zip-slip).
 */
import { posix } from "node:path";

import { BundleError, BundleErrorCode } from "./errors.ts";

/**
 * Normalises a zip entry name to a relative POSIX path ("./a//b.js" → "a/b.js"), or throws
 * `invalid_zip` if it is absolute or climbs out with "..". Backslashes count as separators
 * here, as some extractors treat them so, although the name keeps them as written.
 */
export function toPackagePath(name: string): string {
  const path = posix.normalize(name);
  const segments = path.split(/[\\/]/);
  const problem =
    name.includes("\0") ? "contains a NUL byte"
    : /^([\\/]|[A-Za-z]:)/.test(name) ? "is absolute"
    : segments.includes("..") ? `climbs out of the package with ".."`
    : path === "." || path.endsWith("/") ? "names a directory"
    : undefined;
  if (problem !== undefined) {
    throw new BundleError(
      BundleErrorCode.InvalidZip,
      `Could not unzip uploaded file: entry ${JSON.stringify(name.slice(0, 200))} ${problem}.`,
    );
  }
  return path;
}
