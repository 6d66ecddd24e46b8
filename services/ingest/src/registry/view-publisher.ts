/**
 * Keeps the FUNCTIONS_BUCKET KV bucket equal to the registry in PostgreSQL (the source of truth).
 * `sync(name)` runs after every successful create, update and delete; `reconcile()` compares every
 * row and key at start and then periodically, healing a crash between a PostgreSQL write and its
 * KV write. A failed sync never fails the API call: the name is retried until it succeeds.
 *
 * Ordering across ingest replicas: each sync reads the KV entry first, then the row, then writes
 * with compare-and-set on the entry's revision. A write that lands was therefore read from
 * PostgreSQL after the value it replaces was written, so two replicas racing on one function can
 * never leave an older row in the bucket; the loser of a compare-and-set reads both again.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { functionViewKeys } from "@fnmesh/protocol";
import type { FunctionResolver } from "@fnmesh/registry-view";
import type { FunctionStore } from "@fnmesh/store";
import type { Logger } from "@fnmesh/telemetry";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { toFunctionView } from "./function-view.ts";

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

export type SyncOutcome = "published" | "removed" | "unchanged";
export interface ReconcileReport { published: number; removed: number; unchanged: number }

export interface ViewPublisher {
  /** Makes the bucket match the row (or its absence). Never throws; a failure is retried in the background. */
  sync(name: string): Promise<void>;
  /** Compares every row and every key once; throws if PostgreSQL or NATS fails. */
  reconcile(): Promise<ReconcileReport>;
  /** Starts the background loop: a reconciliation now, then periodically, and retries. */
  start(): void;
  stop(): Promise<void>;
}

/** Compare-and-set attempts before a sync gives up to the retry loop. */
const CAS_ATTEMPTS = 5;
const LIST_PAGE = 500;
const encoder = new TextEncoder();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

function isWrongLastSequence(err: unknown): boolean {
  return err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence;
}

export function createViewPublisher(options: ViewPublisherOptions): ViewPublisher {
  const { kv, functions, resolver, account, log } = options;
  const retryMs = options.retryMs ?? 1_000;
  const reconcileIntervalMs = options.reconcileIntervalMs ?? 5 * 60_000;
  const dirty = new Set<string>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;
  let nextReconcileAt = 0;

  async function syncOnce(name: string): Promise<SyncOutcome> {
    const key = functionViewKeys.latest(name);
    for (let attempt = 1; ; attempt++) {
      // KV first, PostgreSQL second: see the module comment.
      const entry = await kv.get(key);
      const row = await functions.get(name);
      const live = entry?.operation === "PUT" ? entry : undefined;
      try {
        if (!row) {
          if (!live) return "unchanged";
          await kv.delete(key, { previousSeq: live.revision });
          // delete() does not return the marker's revision; reading it back lets this resolver apply it.
          const marker = await kv.get(key);
          if (marker) resolver.observe(marker);
          return "removed";
        }
        const value = encoder.encode(JSON.stringify(toFunctionView(row, account)));
        if (live && sameBytes(live.value, value)) {
          resolver.observe(live);
          return "unchanged";
        }
        const revision = await kv.put(key, value, { previousSeq: entry?.revision ?? 0 });
        resolver.observe({ key, revision, operation: "PUT", value });
        return "published";
      } catch (err) {
        if (!isWrongLastSequence(err) || attempt >= CAS_ATTEMPTS) throw err;
        // Another replica wrote this key between our read and write: read both again.
      }
    }
  }

  async function reconcile(): Promise<ReconcileReport> {
    const names = new Set<string>();
    for await (const key of await kv.keys()) {
      const name = functionViewKeys.parseLatest(key);
      if (name !== undefined) names.add(name);
    }
    let marker: string | undefined;
    do {
      const page = await functions.list({ maxItems: LIST_PAGE, ...(marker ? { marker } : {}) });
      for (const fn of page.functions) names.add(fn.name);
      marker = page.nextMarker;
    } while (marker);
    const report: ReconcileReport = { published: 0, removed: 0, unchanged: 0 };
    for (const name of names) report[await syncOnce(name)]++;
    return report;
  }

  async function tick(): Promise<void> {
    for (const name of [...dirty]) {
      if (stopped) return;
      try {
        const outcome = await syncOnce(name);
        dirty.delete(name);
        log.info("function view synced after retry", { function: name, outcome });
      } catch (err) {
        log.warn("function view sync still failing", { function: name, err });
      }
    }
    if (stopped || Date.now() < nextReconcileAt) return;
    try {
      const report = await reconcile();
      nextReconcileAt = Date.now() + reconcileIntervalMs;
      log.info("function views reconciled", { ...report });
    } catch (err) {
      nextReconcileAt = Date.now() + retryMs;
      log.warn("function view reconciliation failed; retrying", { err });
    }
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(() => { running = undefined; schedule(retryMs); });
    }, delayMs);
  }

  return {
    async sync(name) {
      try {
        await syncOnce(name);
        dirty.delete(name);
      } catch (err) {
        dirty.add(name);
        log.error("function view not published; retrying in the background", { function: name, err });
      }
    },
    reconcile,
    start() { schedule(0); },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
