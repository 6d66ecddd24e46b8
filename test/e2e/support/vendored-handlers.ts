/**
 * Reads the public handlers vendored under test/data/lambda-handlers (PROVENANCE.md there says where
 * each comes from) and zips a directory exactly as its source ships it, bytes untouched (some carry
 * binary files).
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { zipSync } from "fflate";

const ROOT = fileURLToPath(new URL("../../data/lambda-handlers/", import.meta.url));

/** A deployment zip of every file under `dir` (relative to test/data/lambda-handlers), each at `prefix` + its path below `dir`. */
export function vendoredZip(dir: string, prefix = ""): Uint8Array {
  const base = join(ROOT, dir);
  const files: Record<string, Uint8Array> = {};
  for (const entry of readdirSync(base, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[prefix + relative(base, path)] = readFileSync(path);
  }
  return zipSync(files);
}

/** The bytes of one vendored file. */
export function vendoredFile(path: string): Buffer {
  return readFileSync(join(ROOT, path));
}
