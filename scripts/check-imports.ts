/**
 * The import rules of STYLE.md, checked over every source file:
 * services never import each other; only ingest (the registry's owner) imports the store; protocol imports
 * nothing from fnmesh; nobody deep-imports a package (`@fnmesh/x/src/...`), though tests may import
 * its fixtures as `@fnmesh/x/testing`; library packages never import services. Exits non-zero
 * listing every violation.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const SERVICES = ["ingest", "executor", "scheduler", "trigger"];
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function* files(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (path.endsWith(".ts")) yield path;
  }
}

/** Test code: `*.test.ts` files and a workspace's `test/` folder. */
function isTest(file: string): boolean {
  return /\.test\.ts$/.test(file) || file.includes("/test/");
}

function owner(file: string): { kind: "service" | "package"; name: string } | undefined {
  const m = /^(services|packages)\/([^/]+)\//.exec(relative(root, file));
  return m ? { kind: m[1] === "services" ? "service" : "package", name: m[2] ?? "" } : undefined;
}

const problems: string[] = [];
for (const top of ["services", "packages"]) {
  for (const file of files(join(root, top))) {
    const who = owner(file);
    if (!who) continue;
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(IMPORT)) {
      const spec = m[1] ?? m[2] ?? "";
      const where = `${relative(root, file)}: imports "${spec}"`;
      const testing = /^@fnmesh\/[^/]+\/testing$/.test(spec);
      if (testing && !isTest(file)) problems.push(`${where} — a package's ./testing export is for tests only`);
      else if (!testing && /^@fnmesh\/[^/]+\/./.test(spec)) problems.push(`${where} — deep import; use the package's public face`);
      const target = spec.startsWith("@fnmesh/") ? spec.slice(8).split("/")[0] ?? "" : undefined;
      const relTarget = spec.startsWith(".") ? owner(resolve(file, "..", spec)) : undefined;
      if (relTarget && (relTarget.kind !== who.kind || relTarget.name !== who.name)) {
        problems.push(`${where} — reaches into another workspace by relative path`);
      }
      if (target === undefined) continue;
      if (SERVICES.includes(target)) problems.push(`${where} — services meet only on NATS; never import a service`);
      if (who.name === "protocol") problems.push(`${where} — protocol imports nothing from fnmesh`);
      // The registry's owner alone touches PostgreSQL; everyone else resolves functions from the
      // registry view over NATS (packages/registry-view), so executors never need the database.
      if (target === "store" && !(who.kind === "service" && who.name === "ingest") && who.name !== "store" && !isTest(file)) {
        problems.push(`${where} — only ingest (the registry's owner) imports the store`);
      }
      if (target === "test-harness" && !isTest(file)) problems.push(`${where} — only tests use the harness`);
    }
  }
}
if (problems.length) {
  process.stderr.write(`import rules broken:\n  ${problems.join("\n  ")}\n`);
  process.exit(1);
}
process.stdout.write("import rules: ok\n");
