/**
 * Keeps EVENT_SOURCES_BUCKET equal to the mappings in PostgreSQL, as schedules/view-publisher.ts
 * does for schedules: `sync` after every write (KV entry read first, then the row, then a
 * compare-and-set write on the entry's revision, so racing ingest replicas never leave an older
 * row in the bucket); a failed sync is retried in the background, and `reconcile` at start heals a
 * crash between a PostgreSQL write and its KV write.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { eventSourceKeys } from "@fnmesh/protocol";
import type { EventSourceMappingStore } from "@fnmesh/store";
import type { Logger } from "@fnmesh/telemetry";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { toMappingView } from "./shapes.ts";
import { sourceOf } from "./source-of.ts";

export interface MappingViewPublisher {
  /** Makes the bucket match the row (or its absence). Never throws; a failure is retried in the background. */
  sync(uuid: string): Promise<void>;
  /** Compares every row and key once; throws when PostgreSQL or NATS fails. */
  reconcile(): Promise<{ published: number; removed: number; unchanged: number }>;
  /** A reconciliation now (retried until it succeeds), and retries of failed syncs. */
  start(): void;
  stop(): Promise<void>;
}

export interface MappingViewPublisherOptions {
  kv: KV; store: EventSourceMappingStore; account: AccountInfo; log: Logger;
  /** Between retries. Default 1 s. */
  retryMs?: number;
}

const CAS_ATTEMPTS = 5;
const PAGE = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const encoder = new TextEncoder();
const wrongLastSequence = (err: unknown) => err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence;

export function createMappingViewPublisher(options: MappingViewPublisherOptions): MappingViewPublisher {
  const { kv, store, account, log } = options;
  const retryMs = options.retryMs ?? 1_000;
  const dirty = new Set<string>();
  let reconciled = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function syncOnce(uuid: string): Promise<"published" | "removed" | "unchanged"> {
    const key = eventSourceKeys.mapping(uuid);
    for (let attempt = 1; ; attempt++) {
      const entry = await kv.get(key);
      const row = await store.get(uuid);
      const live = entry?.operation === "PUT" ? entry : undefined;
      try {
        if (!row) {
          if (!live) return "unchanged";
          await kv.delete(key, { previousSeq: live.revision });
          return "removed";
        }
        const value = encoder.encode(JSON.stringify(toMappingView(row, sourceOf(row.eventSourceArn, account))));
        if (live && Buffer.compare(live.value, value) === 0) return "unchanged";
        await kv.put(key, value, { previousSeq: entry?.revision ?? 0 });
        return "published";
      } catch (err) {
        if (!wrongLastSequence(err) || attempt >= CAS_ATTEMPTS) throw err;
      }
    }
  }

  async function reconcile() {
    const uuids = new Set<string>();
    for await (const key of await kv.keys()) if (UUID.test(key)) uuids.add(key);
    let after: string | undefined;
    for (;;) {
      const page = await store.list({ limit: PAGE, ...(after !== undefined ? { after } : {}) });
      for (const m of page.mappings) uuids.add(m.uuid);
      if (!page.more) break;
      after = page.mappings.at(-1)?.uuid;
    }
    const report = { published: 0, removed: 0, unchanged: 0 };
    for (const uuid of uuids) report[await syncOnce(uuid)]++;
    return report;
  }

  async function tick(): Promise<void> {
    for (const uuid of [...dirty]) {
      if (stopped) return;
      try {
        await syncOnce(uuid);
        dirty.delete(uuid);
      } catch (err) {
        log.warn("event source mapping view sync still failing", { uuid, err });
      }
    }
    if (reconciled || stopped) return;
    try {
      log.info("event source mapping views reconciled", { ...(await reconcile()) });
      reconciled = true;
    } catch (err) {
      log.warn("event source mapping view reconciliation failed; retrying", { err });
    }
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => { running = tick().finally(() => { running = undefined; schedule(retryMs); }); }, delayMs);
  }

  return {
    async sync(uuid) {
      try {
        await syncOnce(uuid);
        dirty.delete(uuid);
      } catch (err) {
        dirty.add(uuid);
        log.error("event source mapping view not published; retrying in the background", { uuid, err });
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
