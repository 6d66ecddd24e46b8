import { constants } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, join } from "node:path";

/** The first of `candidates` (names looked up on PATH, or absolute paths) that is executable. */
export async function findBinary(candidates: readonly string[]): Promise<string | undefined> {
  for (const candidate of candidates) {
    const paths = candidate.includes("/")
      ? [candidate]
      : (process.env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, candidate));
    for (const path of paths) {
      if (await isExecutable(path)) return path;
    }
  }
  return undefined;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
