/**
 * A package's files as `npm install` would lay them in a function's zip: the package and, walking
 * its `dependencies`/`optionalDependencies`, every package it resolves (Node's lookup, nested
 * node_modules first), taken from this repository's installed node_modules. For tests that deploy
 * real dependencies, such as the AWS SDK, without a network install per run (the package must be a
 * devDependency of the repository).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";

const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");
const utf8 = new TextDecoder("utf-8", { fatal: true });

/** `{ "node_modules/<name>/…": text }` for `name` and its dependency closure, paths as in a zip. */
export function packageClosure(name: string): Record<string, string> {
  const files: Record<string, string> = {};
  const seen = new Set<string>();
  const pending = [resolvePackage(REPO_ROOT, name)];
  for (let dir = pending.pop(); dir !== undefined; dir = pending.pop()) {
    if (seen.has(dir)) continue;
    seen.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { dependencies?: object; optionalDependencies?: object };
    for (const dep of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) pending.push(resolvePackage(dir, dep));
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      const path = join(entry.parentPath, entry.name);
      // A nested node_modules holds other packages, reached (or not) through the walk.
      if (!entry.isFile() || relative(dir, path).split("/").includes("node_modules")) continue;
      // Text only: the deploy helpers take strings, and these packages ship no binaries.
      files[relative(REPO_ROOT, path)] = utf8.decode(readFileSync(path));
    }
  }
  return files;
}

function resolvePackage(from: string, name: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name);
    if (existsSync(join(candidate, "package.json"))) return candidate;
    if (relative(REPO_ROOT, dir) === "" || dir === dirname(dir)) throw new Error(`packageClosure: ${name} is not installed (needed from ${from}); run npm install`);
  }
}
