/**
 * Reads the public handlers of lambda-handlers-compat from the folder FNMESH_TEST_LAMBDA_HANDLERS_DIR
 * names (laid out as test/e2e/support/lambda-handler-sources.md says) and zips a directory of it
 * exactly as its source ships it, bytes untouched (some carry binary files). Others' code is not
 * committed to fnmesh, so without the folder the cases that need it are skipped, saying why.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { zipSync } from "fflate";

export const HANDLERS_DIR_VARIABLE = "FNMESH_TEST_LAMBDA_HANDLERS_DIR";
const ROOT = process.env[HANDLERS_DIR_VARIABLE];

/** Why the public handlers' cases cannot run (a node:test `skip` reason), or false when they can. */
export function publicHandlersSkip(): string | false {
  if (ROOT === undefined || ROOT === "") {
    return `${HANDLERS_DIR_VARIABLE} is not set: public handlers are others' code, not committed to fnmesh (lay them out as test/e2e/support/lambda-handler-sources.md says)`;
  }
  if (!existsSync(ROOT) || !statSync(ROOT).isDirectory()) return `${HANDLERS_DIR_VARIABLE}=${ROOT} is not a folder`;
  return false;
}

/** Why one case's directory cannot be used (missing from the folder), or false. */
export function publicDirSkip(dir: string): string | false {
  const skip = publicHandlersSkip();
  if (skip !== false) return skip;
  return existsSync(join(ROOT ?? "", dir)) ? false : `${HANDLERS_DIR_VARIABLE}=${ROOT} has no ${dir} (see test/e2e/support/lambda-handler-sources.md)`;
}

/** A deployment zip of every file under `dir` (relative to the folder), each at `prefix` + its path below `dir`. */
export function publicZip(dir: string, prefix = ""): Uint8Array {
  const base = join(ROOT ?? "", dir);
  const files: Record<string, Uint8Array> = {};
  for (const entry of readdirSync(base, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files[prefix + relative(base, path)] = readFileSync(path);
  }
  return zipSync(files);
}

/** The bytes of one file of the folder. */
export function publicFile(path: string): Buffer {
  return readFileSync(join(ROOT ?? "", path));
}
