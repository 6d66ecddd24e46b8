/**
 * Brings a function's code to where its first invocation needs it as soon as its view appears or
 * changes (the FUNCTIONS_BUCKET watch): the bundle into the executor's code cache, compiled once
 * into the sandbox's V8 code cache, and an isolate made for the new revision (none of its code run).
 * So the first invoke after CreateFunction or an update pays neither the object store round trip,
 * a compile from source, nor making an isolate; it still runs the function's init. A few at a time, in the order they came;
 * best effort: a failure here only means the first invocation does the work itself.
 */
import type { FunctionView } from "@fnmesh/protocol";
import type { SandboxRuntime } from "@fnmesh/sandbox";
import type { Logger } from "@fnmesh/telemetry";
import type { CodeCache } from "./code-cache.ts";
import { sandboxFunctionOf, type BundledSpec } from "./sandbox-function.ts";

export interface CodePrefetch {
  /** Queues the view (the newest per function) when started; before `start`, views are ignored. */
  onView(view: FunctionView): void;
  /** Begins prefetching changes; call once the resolver loaded the bucket, so a restart does not fetch every function. */
  start(): void;
  /** Stops taking views and waits for the ones in progress. */
  stop(): Promise<void>;
}

export interface CodePrefetchDeps {
  code: CodeCache;
  runtime: SandboxRuntime;
  log: Logger;
  /** Prefetches running at once. Default 2. */
  concurrency?: number;
}

export function createCodePrefetch(deps: CodePrefetchDeps): CodePrefetch {
  const concurrency = deps.concurrency ?? 2;
  /** By function revision: a newer view of a function replaces its queued one. */
  const queue = new Map<string, BundledSpec>();
  const running = new Set<Promise<void>>();
  let started = false;
  let stopped = false;

  async function prefetch(spec: BundledSpec): Promise<void> {
    // The fetch starts before the runtime makes the isolate (synchronous work), so the two overlap;
    // prepare's own load joins this one.
    const loading = deps.code.load(spec.code.sha256);
    loading.catch(() => {});
    try {
      await deps.runtime.prepare(sandboxFunctionOf(spec, deps.code));
      await loading;
    } catch (err) {
      deps.log.debug("code prefetch failed; the first invocation will load it", { function: spec.name, sha256: spec.code.sha256, err });
    }
  }

  function pump(): void {
    while (!stopped && running.size < concurrency && queue.size > 0) {
      const [name, spec] = queue.entries().next().value as [string, BundledSpec];
      queue.delete(name);
      const run = prefetch(spec).finally(() => {
        running.delete(run);
        pump();
      });
      running.add(run);
    }
  }

  return {
    onView(view) {
      if (!started || stopped) return;
      const spec = view.spec;
      if (spec.code.kind !== "bundle") return;
      queue.delete(spec.name);
      queue.set(spec.name, spec as BundledSpec);
      pump();
    },
    start() { started = true; },
    async stop() {
      stopped = true;
      queue.clear();
      await Promise.allSettled([...running]);
    },
  };
}
