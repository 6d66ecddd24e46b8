/**
 * Keeps the FUNCTIONS_BUCKET KV bucket equal to the registry in PostgreSQL (kv-view-publisher.ts):
 * `sync(name)` after every create, update and delete; `reconcile()` at start and then periodically.
 * Every entry a sync writes or finds current is handed to this process's resolver, so its next
 * resolve sees the write (read-your-writes).
 */
import type { KV } from "@nats-io/kv";
import { functionViewKeys } from "@fnmesh/protocol";
import type { FunctionResolver } from "@fnmesh/registry-view";
import type { FunctionStore } from "@fnmesh/store";
import type { Logger } from "@fnmesh/telemetry";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { createKvViewPublisher, type KvViewPublisher } from "../kv-view-publisher.ts";
import { toFunctionView } from "./function-view.ts";

export type { ReconcileReport, SyncOutcome } from "../kv-view-publisher.ts";

export interface ViewPublisherOptions {
  kv: KV;
  functions: FunctionStore;
  /** This process's resolver: told of every write so its next resolve sees it (read-your-writes). */
  resolver: FunctionResolver;
  account: AccountInfo;
  log: Logger;
  /** Between full reconciliations. Default 5 min. */
  reconcileIntervalMs?: number;
  /** Between retries of names whose sync failed (and of a failed reconciliation). Default 1 s. */
  retryMs?: number;
}

/** By function name. */
export type ViewPublisher = KvViewPublisher<string>;

const LIST_PAGE = 500;
const encoder = new TextEncoder();

export function createViewPublisher(options: ViewPublisherOptions): ViewPublisher {
  const { functions, resolver, account } = options;
  return createKvViewPublisher<string>({
    kv: options.kv, log: options.log, what: "function view",
    reconcileIntervalMs: options.reconcileIntervalMs ?? 5 * 60_000,
    ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
    keyOf: functionViewKeys.latest,
    idOfKey: functionViewKeys.parseLatest,
    async load(name) {
      const row = await functions.get(name);
      return row ? encoder.encode(JSON.stringify(toFunctionView(row, account))) : undefined;
    },
    async *listIds() {
      let marker: string | undefined;
      do {
        const page = await functions.list({ maxItems: LIST_PAGE, ...(marker ? { marker } : {}) });
        for (const fn of page.functions) yield fn.name;
        marker = page.nextMarker;
      } while (marker);
    },
    describe: (name) => ({ function: name }),
    observe: (entry) => resolver.observe(entry),
  });
}
