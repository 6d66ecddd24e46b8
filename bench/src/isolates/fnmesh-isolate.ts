/**
 * fnmesh's side: the bench handler bundled by `@fnmesh/bundle` (as ingest does at CreateFunction)
 * and run by `@fnmesh/sandbox`'s isolate runtime (as the executor does), through public APIs only.
 * Each start uses a new function name and key, so it is always a cold start; the same bundle
 * (same `codeId`) started again hits the runtime's compiled-code cache.
 */
import { randomUUID } from "node:crypto";
import ivm from "isolated-vm";
import { buildBundle } from "@fnmesh/bundle";
import { createIsolateRuntime, type SandboxFunction } from "@fnmesh/sandbox";
import { handlerSource } from "../sdk-bench.ts";
import type { Contender } from "./types.ts";

interface Bundle { code: string; sha256: string; exportPath: string[] }

/**
 * Big enough that no idle isolate is evicted during a probe (eviction would both drop instances
 * being counted and add disposal time to a cold start).
 */
const MEMORY_BUDGET_MB = 64 * 1024;

export function fnmeshIsolates(): Contender<Bundle> {
  const runtime = createIsolateRuntime({ memoryBudgetMb: MEMORY_BUDGET_MB });
  const encoder = new TextEncoder();
  let started = 0;

  function sandboxFunction(bundle: Bundle): SandboxFunction {
    const name = `bench-${++started}`;
    return {
      key: `${name}:r1`, name, version: "$LATEST", arn: `arn:aws:lambda:local:000000000000:function:${name}`,
      runtime: "nodejs22.x", memoryMb: 128, timeoutMs: 10_000, env: {},
      codeId: bundle.sha256, exportPath: bundle.exportPath, handlerName: "index.handler",
      loadCode: async () => bundle.code,
    };
  }

  async function invoke(fn: SandboxFunction, event: string): Promise<{ result: string; initMs?: number }> {
    const outcome = await runtime.invoke({ requestId: randomUUID(), fn, event });
    if (outcome.status !== "ok") throw new Error(`${outcome.error.errorType}: ${outcome.error.errorMessage}`);
    return outcome.initDurationMs === undefined ? { result: outcome.result } : { result: outcome.result, initMs: outcome.initDurationMs };
  }

  return {
    hasCodeCache: true,
    async prepare(tag) {
      const built = await buildBundle({ files: new Map([["index.mjs", encoder.encode(handlerSource(tag))]]), handler: "index.handler" });
      if (!built.ok) throw new Error(`bundling the bench handler failed: ${built.errorType}: ${built.errorMessage}`);
      return { code: built.code, sha256: built.sha256, exportPath: built.exportPath };
    },
    async start(bundle, event) {
      const fn = sandboxFunction(bundle);
      const first = await invoke(fn, event);
      return {
        ...first,
        // The public API has no per-key disposal: the isolate stays warm until the runtime closes.
        instance: { call: async (e) => (await invoke(fn, e)).result, close: async () => {} },
      };
    },
    async floor() {
      // What every warm call pays at least: the runtime's invoke is one such async apply plus the work around it.
      const isolate = new ivm.Isolate({ memoryLimit: 16 });
      const context = await isolate.createContext();
      const empty = (await context.eval("(function () {})", { reference: true })) as ivm.Reference;
      return { call: async () => { await empty.apply(undefined, [], { result: { promise: true, copy: true } }); }, close: () => isolate.dispose() };
    },
    async heapBytes() {
      return runtime.stats().heapBytes;
    },
    close: () => runtime.close(),
  };
}
