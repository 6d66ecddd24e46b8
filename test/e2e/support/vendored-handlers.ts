/**
 * Reads the public handlers vendored under test/data/lambda-handlers (PROVENANCE.md there says where
 * each comes from) into `{ zipPath: text }` maps, so a test deploys a directory exactly as its source
 * ships it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../data/lambda-handlers/", import.meta.url));

/** Every file under `dir` (relative to test/data/lambda-handlers), keyed by `prefix` + its path below `dir`. */
export function vendoredFiles(dir: string, prefix = ""): Record<string, string> {
  const base = join(ROOT, dir);
  const files: Record<string, string> = {};
  for (const entry of readdirSync(base, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[prefix + relative(base, path)] = readFileSync(path, "utf8");
  }
  return files;
}
