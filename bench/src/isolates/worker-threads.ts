/**
 * Baseline: one `worker_threads` Worker per function instance. A cold start is `new Worker(source,
 * { eval: true })` (a thread with its own V8 isolate and Node environment) plus the first call as a
 * postMessage round trip; warm calls are round trips to that worker. Node has no code cache to
 * share compiled code between workers, so there is no "same code" row.
 */
import { Worker } from "node:worker_threads";
import type { Contender } from "./types.ts";

/** The bench handler (`handlerSource` in sdk-bench.ts) behind a message port: JSON text in and out. */
function workerSource(tag: string): string {
  return `"use strict";
const { parentPort } = require("node:worker_threads");
const handler = async (event) => ({ ok: true, n: event.n ?? 0 });
const benchTag = ${JSON.stringify(tag)};
parentPort.on("message", async (event) => {
  parentPort.postMessage(JSON.stringify(await handler(JSON.parse(event))));
});
`;
}

/** One call at a time per worker (as one isolate serves one invocation at a time). */
function callWorker(worker: Worker, event: string): Promise<string> {
  return new Promise((done, fail) => {
    const settle = () => { worker.off("message", onMessage); worker.off("error", onError); worker.off("exit", onExit); };
    const onMessage = (message: unknown) => { settle(); done(String(message)); };
    const onError = (err: Error) => { settle(); fail(err); };
    const onExit = (code: number) => { settle(); fail(new Error(`worker exited with code ${code} before answering`)); };
    worker.once("message", onMessage);
    worker.once("error", onError);
    worker.once("exit", onExit);
    worker.postMessage(event);
  });
}

export function workerThreads(): Contender<string> {
  const live = new Set<Worker>();

  return {
    hasCodeCache: false,
    async prepare(tag) {
      return workerSource(tag);
    },
    async start(source, event) {
      const worker = new Worker(source, { eval: true });
      live.add(worker);
      const result = await callWorker(worker, event);
      return {
        result,
        instance: {
          call: (e) => callWorker(worker, e),
          close: async () => { live.delete(worker); await worker.terminate(); },
        },
      };
    },
    // Each worker has its own V8 heap; Node reports it per worker.
    async heapBytes() {
      const heaps = await Promise.all([...live].map((w) => w.getHeapStatistics()));
      return heaps.reduce((sum, h) => sum + h.total_heap_size + h.external_memory, 0);
    },
    async close() {
      await Promise.all([...live].map((w) => w.terminate()));
      live.clear();
    },
  };
}
