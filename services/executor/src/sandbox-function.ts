/**
 * The sandbox's view of a function spec with a bundle: what an invocation runs and what prefetch
 * prepares. Both must agree on `key` (one warm-pool key per function revision), or a prepared
 * isolate is never taken.
 */
import type { FunctionSpec } from "@fnmesh/protocol";
import type { SandboxFunction } from "@fnmesh/sandbox";
import type { CodeCache } from "./code-cache.ts";

export type BundledSpec = FunctionSpec & { code: Extract<FunctionSpec["code"], { kind: "bundle" }> };

export function sandboxFunctionOf(fn: BundledSpec, code: CodeCache): SandboxFunction {
  const sha = fn.code.sha256;
  return {
    key: `${fn.name}:${fn.revisionId}`, name: fn.name, version: fn.version, arn: fn.arn, runtime: fn.runtime,
    memoryMb: fn.memoryMb, timeoutMs: fn.timeoutSec * 1000, env: fn.env, codeId: sha,
    exportPath: fn.code.exportPath, handlerName: fn.handler, loadCode: () => code.load(sha),
  };
}
