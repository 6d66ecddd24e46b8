/**
 * Writes a package's files into a directory so esbuild's real resolver can read them
 * (node_modules, package.json "main"/"exports", nested dependencies all work as on disk).
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join, posix } from "node:path";

import { BundleError, BundleErrorCode } from "./errors.ts";

/** Files written at once; keeps 20,000-file packages far from the descriptor limit. */
const WRITE_CONCURRENCY = 32;

/** Writes `files` (keys already checked by `toPackagePath`) under the existing directory `root`. */
export async function writePackageDir(root: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  const dirs = new Set<string>();
  for (const path of files.keys()) {
    for (let dir = posix.dirname(path); dir !== "." && !dirs.has(dir); dir = posix.dirname(dir)) {
      // "a" as a file and "a/b.js" cannot both exist on disk; a zip can still list both.
      if (files.has(dir)) {
        throw new BundleError(
          BundleErrorCode.InvalidZip,
          `Could not unzip uploaded file: ${JSON.stringify(dir)} is both a file and a directory.`,
        );
      }
      dirs.add(dir);
    }
  }
  // Recursive mkdir tolerates the races between overlapping paths.
  await Promise.all([...dirs].map((dir) => mkdir(join(root, dir), { recursive: true })));

  const entries = [...files];
  let next = 0;
  const writer = async (): Promise<void> => {
    for (let entry = entries[next++]; entry !== undefined; entry = entries[next++]) {
      await writeFile(join(root, entry[0]), entry[1]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, entries.length) }, writer));
}
