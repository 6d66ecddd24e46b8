/**
 * Runs one file of nodejs/node's test/parallel inside a real isolate: the file, fnmesh's `common`
 * shim (./common/) and the fixture files it names are packed as a function in Node's layout
 * (test/parallel/, test/common/, test/fixtures/), built by the real bundler (so `require('buffer')`
 * gets the isolate's built-in, as a deployed function would) and invoked once in a fresh isolate. A build failure (a module the isolate has not, such
 * as `vm` or `internal/test/binding`) fails the file with the bundler's message.
 */
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buildBundle } from "@fnmesh/bundle";
import type { SandboxFunction, SandboxRuntime } from "@fnmesh/sandbox";

export type NodeTestStatus = "pass" | "fail" | "skip";

export interface NodeTestResult {
  file: string;
  status: NodeTestStatus;
  /** Why a file failed or skipped: the first error, unmet mustCall, or build failure. */
  reason?: string;
}

const SHIM_DIR = new URL("./common/", import.meta.url);
const SHIM_FILES: Record<string, string> = {
  "test/common/index.js": "index.cjs",
  "test/common/state.cjs": "state.cjs",
  "test/common/run.cjs": "run.cjs",
  "test/common/fixtures.js": "fixtures.cjs",
  "test/common/tmpdir.js": "tmpdir.cjs",
};

const encoder = new TextEncoder();

/** Fixture names a test passes as literals to fixtures.path(...) or fixtures.readSync(...). */
function fixtureNames(source: string): string[] {
  const names = new Set<string>();
  for (const call of source.matchAll(/fixtures\.(?:path|readSync)\(([^)]*)\)/g)) {
    const parts = [...(call[1] ?? "").matchAll(/'([^']+)'/g)].map((m) => m[1] ?? "");
    if (parts.length > 0) names.add(join(...parts));
  }
  return [...names];
}

export interface RunNodeTestOptions {
  /** A nodejs/node checkout's test/ folder (holding parallel/ and fixtures/). */
  testsDir: string;
  file: string;
  /** How long to wait for expected calls after the file loaded. */
  settleMs?: number;
}

/** Packs `source` as test/parallel/<file> beside the shim and runs it; `extra` adds files (fixtures). */
export async function runTestSource(
  runtime: SandboxRuntime, file: string, source: string, extra: Map<string, Uint8Array> = new Map(), settleMs = 3000,
): Promise<NodeTestResult> {
  const files = new Map<string, Uint8Array>(extra);
  for (const [to, from] of Object.entries(SHIM_FILES)) files.set(to, readFileSync(new URL(from, SHIM_DIR)));
  files.set(`test/parallel/${file}`, encoder.encode(source));
  files.set("index.js", encoder.encode([
    "const { run } = require('./test/common/run.cjs');",
    `exports.handler = async () => run(() => require(${JSON.stringify(`./test/parallel/${file}`)}), ${settleMs});`,
  ].join("\n")));
  const built = await buildBundle({ files, handler: "index.handler" });
  if (!built.ok) return { file, status: "fail", reason: `build: ${built.errorType}: ${built.errorMessage.split("\n")[0]}` };
  const id = randomUUID();
  const fn: SandboxFunction = {
    key: `node-test-${id}`, name: `node-test-${id.slice(0, 8)}`, version: "$LATEST",
    arn: `arn:aws:lambda:local:000000000000:function:node-test-${id.slice(0, 8)}`, runtime: "nodejs22.x",
    memoryMb: 512, timeoutMs: settleMs + 20_000, env: {}, codeId: built.sha256, exportPath: built.exportPath,
    handlerName: "index.handler", loadCode: async () => built.code,
  };
  const outcome = await runtime.invoke({ requestId: randomUUID(), fn, event: "{}" });
  if (outcome.status !== "ok") {
    const { errorType, errorMessage } = outcome.error;
    return { file, status: "fail", reason: `${errorType}: ${errorMessage.split("\n").slice(0, 6).join("\n")}` };
  }
  const result = JSON.parse(outcome.result) as { status: NodeTestStatus; reason?: string };
  return { file, ...result };
}

/** Runs `testsDir/parallel/<file>` with the fixtures it names. */
export async function runNodeTestFile(runtime: SandboxRuntime, options: RunNodeTestOptions): Promise<NodeTestResult> {
  const source = readFileSync(join(options.testsDir, "parallel", options.file), "utf8");
  const extra = new Map<string, Uint8Array>();
  for (const name of fixtureNames(source)) {
    const path = join(options.testsDir, "fixtures", name);
    if (existsSync(path)) extra.set(`test/fixtures/${name}`, readFileSync(path));
  }
  return runTestSource(runtime, options.file, source, extra, options.settleMs);
}
