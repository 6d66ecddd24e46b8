/**
 * Keeps a KV bucket of views equal to rows in PostgreSQL (the source of truth): the function, schedule
 * and event source mapping publishers are this with their own keys, rows and views. `sync(id)` runs
 * after every successful write; `reconcile()` compares every row and key at start (and then
 * periodically when asked), healing a crash between a PostgreSQL write and its KV write. A failed
 * sync never fails the API call: the id is retried in the background until it succeeds.
 *
 * Ordering across ingest replicas: each sync reads the KV entry first, then the row, then writes with
 * compare-and-set on the entry's revision. A write that lands was therefore read from PostgreSQL
 * after the value it replaces was written, so two replicas racing on one key can never leave an
 * older row in the bucket; the loser of a compare-and-set reads both again.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import type { Logger } from "@fnmesh/telemetry";

export type SyncOutcome = "published" | "removed" | "unchanged";
export interface ReconcileReport { published: number; removed: number; unchanged: number }

/** A bucket entry as this publisher saw or wrote it (for a read-your-writes resolver). */
export interface ObservedEntry { key: string; revision: number; operation: "PUT" | "DEL" | "PURGE"; value: Uint8Array }

export interface KvViewPublisherOptions<Id> {
  kv: KV;
  /** What the views are, for log lines ("function view", "schedule view"). */
  what: string;
  keyOf(id: Id): string;
  /** The id a key of this bucket stands for; undefined for keys that are not views of this kind. */
  idOfKey(key: string): Id | undefined;
  /** The view of the row as it should be stored, or undefined when there is no row. */
  load(id: Id): Promise<Uint8Array | undefined>;
  /** Every id with a row. */
  listIds(): AsyncIterable<Id>;
  /** Log fields naming an id. */
  describe(id: Id): Record<string, string>;
  /** Told of every entry a sync wrote or found current. */
  observe?(entry: ObservedEntry): void;
  log: Logger;
  /** Between full reconciliations after the first; undefined: only the one at start. */
  reconcileIntervalMs?: number;
  /** Between retries of failed syncs (and of a failed reconciliation). Default 1 s. */
  retryMs?: number;
}

export interface KvViewPublisher<Id> {
  /** Makes the bucket match the row (or its absence). Never throws; a failure is retried in the background. */
  sync(id: Id): Promise<void>;
  /** Compares every row and key once; throws when PostgreSQL or NATS fails. */
  reconcile(): Promise<ReconcileReport>;
  /** A reconciliation now (retried until it succeeds, then periodically if asked), and retries of failed syncs. */
  start(): void;
  stop(): Promise<void>;
}

/** Compare-and-set attempts before a sync gives up to the retry loop. */
const CAS_ATTEMPTS = 5;

const isWrongLastSequence = (err: unknown) => err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence;
const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && Buffer.compare(a, b) === 0;

export function createKvViewPublisher<Id>(options: KvViewPublisherOptions<Id>): KvViewPublisher<Id> {
  const { kv, what, log } = options;
  const retryMs = options.retryMs ?? 1_000;
  /** Ids whose last sync failed, by key. */
  const dirty = new Map<string, Id>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> | undefined;
  /** 0: reconcile on the next tick; Infinity: never again. */
  let nextReconcileAt = 0;

  async function syncOnce(id: Id): Promise<SyncOutcome> {
    const key = options.keyOf(id);
    for (let attempt = 1; ; attempt++) {
      // KV first, PostgreSQL second: see the module comment.
      const entry = await kv.get(key);
      const value = await options.load(id);
      const live = entry?.operation === "PUT" ? entry : undefined;
      try {
        if (value === undefined) {
          if (!live) return "unchanged";
          await kv.delete(key, { previousSeq: live.revision });
          if (options.observe) {
            // delete() does not return the marker's revision; reading it back lets a resolver apply it.
            const marker = await kv.get(key);
            if (marker) options.observe(marker);
          }
          return "removed";
        }
        if (live && sameBytes(live.value, value)) {
          options.observe?.(live);
          return "unchanged";
        }
        const revision = await kv.put(key, value, { previousSeq: entry?.revision ?? 0 });
        options.observe?.({ key, revision, operation: "PUT", value });
        return "published";
      } catch (err) {
        if (!isWrongLastSequence(err) || attempt >= CAS_ATTEMPTS) throw err;
        // Another replica wrote this key between our read and write: read both again.
      }
    }
  }

  async function reconcile(): Promise<ReconcileReport> {
    const ids = new Map<string, Id>();
    for await (const key of await kv.keys()) {
      const id = options.idOfKey(key);
      if (id !== undefined) ids.set(key, id);
    }
    for await (const id of options.listIds()) ids.set(options.keyOf(id), id);
    const report: ReconcileReport = { published: 0, removed: 0, unchanged: 0 };
    for (const id of ids.values()) report[await syncOnce(id)]++;
    return report;
  }

  async function tick(): Promise<void> {
    for (const [key, id] of [...dirty]) {
      if (stopped) return;
      try {
        const outcome = await syncOnce(id);
        dirty.delete(key);
        log.info(`${what} synced after retry`, { ...options.describe(id), outcome });
      } catch (err) {
        log.warn(`${what} sync still failing`, { ...options.describe(id), err });
      }
    }
    if (stopped || Date.now() < nextReconcileAt) return;
    try {
      const report = await reconcile();
      nextReconcileAt = options.reconcileIntervalMs === undefined ? Infinity : Date.now() + options.reconcileIntervalMs;
      log.info(`${what}s reconciled`, { ...report });
    } catch (err) {
      nextReconcileAt = Date.now() + retryMs;
      log.warn(`${what} reconciliation failed; retrying`, { err });
    }
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(() => { running = undefined; schedule(retryMs); });
    }, delayMs);
  }

  return {
    async sync(id) {
      const key = options.keyOf(id);
      try {
        await syncOnce(id);
        dirty.delete(key);
      } catch (err) {
        dirty.set(key, id);
        log.error(`${what} not published; retrying in the background`, { ...options.describe(id), err });
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
