/**
 * Brings a function's code to where its first invocation needs it as soon as its view appears or
 * changes (the FUNCTIONS_BUCKET watch): the bundle into the executor's code cache, then compiled
 * once into the sandbox's V8 code cache. So the first invoke after CreateFunction or an update
 * pays neither the object store round trip nor a compile. A few at a time, in the order they came;
 * best effort: a failure here only means the first invocation does the work itself.
 */
import type { FunctionView } from "@fnmesh/protocol";
import type { SandboxRuntime } from "@fnmesh/sandbox";
import type { Logger } from "@fnmesh/telemetry";
import type { CodeCache } from "./code-cache.ts";

export interface CodePrefetch {
  /** Queues the view's code (once per bundle) when started; before `start`, views are ignored. */
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
  const queue = new Map<string, { sha: string; handler: string; name: string }>();
  const running = new Set<Promise<void>>();
  let started = false;
  let stopped = false;

  async function prefetch(job: { sha: string; handler: string; name: string }): Promise<void> {
    try {
      await deps.code.load(job.sha);
      await deps.runtime.prepare({ codeId: job.sha, handlerName: job.handler, loadCode: () => deps.code.load(job.sha) });
    } catch (err) {
      deps.log.debug("code prefetch failed; the first invocation will load it", { function: job.name, sha256: job.sha, err });
    }
  }

  function pump(): void {
    while (!stopped && running.size < concurrency && queue.size > 0) {
      const [sha, job] = queue.entries().next().value as [string, { sha: string; handler: string; name: string }];
      queue.delete(sha);
      const run = prefetch(job).finally(() => {
        running.delete(run);
        pump();
      });
      running.add(run);
    }
  }

  return {
    onView(view) {
      if (!started || stopped) return;
      const { code, handler, name } = view.spec;
      if (code.kind !== "bundle") return;
      queue.set(code.sha256, { sha: code.sha256, handler, name });
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
