/**
 * Baseline: `node:vm` contexts in the host process. A cold start is `vm.createContext()`, compiling
 * the handler as a classic script, running it and a first call; V8 code cache data is produced on
 * the first compile of a source and passed as `cachedData` to later compiles of it, as fnmesh's
 * runtime does. node:vm is NOT a security boundary: code in a context can reach the host.
 */
import { getHeapStatistics } from "node:v8";
import vm from "node:vm";
import type { Contender } from "./types.ts";

interface Script { source: string; cachedData?: Buffer }

/** The bench handler (`handlerSource` in sdk-bench.ts) as a script: JSON text in, JSON text out. */
function scriptSource(tag: string): string {
  return `(function () {
  "use strict";
  const handler = async (event) => ({ ok: true, n: event.n ?? 0 });
  const benchTag = ${JSON.stringify(tag)};
  return (event) => Promise.resolve(handler(JSON.parse(event))).then((result) => JSON.stringify(result));
})()`;
}

type Call = (event: string) => Promise<string>;

export function nodeVmContexts(): Contender<Script> {
  const live = new Set<Call>();

  return {
    hasCodeCache: true,
    async prepare(tag) {
      return { source: scriptSource(tag) };
    },
    async start(code, event) {
      const context = vm.createContext({});
      const script = new vm.Script(code.source, code.cachedData === undefined ? {} : { cachedData: code.cachedData });
      if (code.cachedData === undefined || script.cachedDataRejected === true) code.cachedData = script.createCachedData();
      const call = script.runInContext(context) as Call;
      const result = await call(event);
      live.add(call);
      return { result, instance: { call, close: async () => { live.delete(call); } } };
    },
    // Contexts live in the host's heap: the probe takes its growth (after a GC) as theirs.
    async heapBytes() {
      return hostHeapBytes();
    },
    async close() {
      live.clear();
    },
  };
}

function hostHeapBytes(): number {
  const heap = getHeapStatistics();
  return heap.total_heap_size + heap.external_memory;
}
