/**
 * Keeps SCHEDULES_BUCKET equal to the schedules in PostgreSQL, as registry/view-publisher.ts does
 * for functions: `sync` after every write (KV entry read first, then the row, then a compare-and-set
 * write on the entry's revision, so racing ingest replicas never leave an older row in the bucket);
 * a failed sync is retried in the background, and `reconcile` at start heals a crash between a
 * PostgreSQL write and its KV write.
 */
import { JetStreamApiCodes, JetStreamApiError } from "@nats-io/jetstream";
import type { KV } from "@nats-io/kv";
import { scheduleKeys } from "@fnmesh/protocol";
import type { ScheduleStore } from "@fnmesh/store";
import type { Logger } from "@fnmesh/telemetry";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { DEFAULT_GROUP } from "./schedule-arn.ts";
import { toScheduleView } from "./shapes.ts";

export interface ScheduleViewPublisher {
  /** Makes the bucket match the row (or its absence). Never throws; a failure is retried in the background. */
  sync(groupName: string, name: string): Promise<void>;
  /** Compares every row and key once; throws when PostgreSQL or NATS fails. */
  reconcile(): Promise<{ published: number; removed: number; unchanged: number }>;
  /** A reconciliation now (retried until it succeeds), and retries of failed syncs. */
  start(): void;
  stop(): Promise<void>;
}

export interface ScheduleViewPublisherOptions {
  kv: KV; store: ScheduleStore; account: AccountInfo; log: Logger;
  /** Between retries. Default 1 s. */
  retryMs?: number;
}

const CAS_ATTEMPTS = 5;
const PAGE = 500;
const encoder = new TextEncoder();

const wrongLastSequence = (err: unknown) => err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamWrongLastSequence;

export function createScheduleViewPublisher(options: ScheduleViewPublisherOptions): ScheduleViewPublisher {
  const { kv, store, account, log } = options;
  const retryMs = options.retryMs ?? 1_000;
  const dirty = new Map<string, { groupName: string; name: string }>();
  let reconciled = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  async function syncOnce(groupName: string, name: string): Promise<"published" | "removed" | "unchanged"> {
    const key = scheduleKeys.schedule(groupName, name);
    for (let attempt = 1; ; attempt++) {
      const entry = await kv.get(key);
      const row = await store.get(groupName, name);
      const live = entry?.operation === "PUT" ? entry : undefined;
      try {
        if (!row) {
          if (!live) return "unchanged";
          await kv.delete(key, { previousSeq: live.revision });
          return "removed";
        }
        const value = encoder.encode(JSON.stringify(toScheduleView(row, account)));
        if (live && Buffer.compare(live.value, value) === 0) return "unchanged";
        await kv.put(key, value, { previousSeq: entry?.revision ?? 0 });
        return "published";
      } catch (err) {
        if (!wrongLastSequence(err) || attempt >= CAS_ATTEMPTS) throw err;
      }
    }
  }

  async function reconcile() {
    const names = new Map<string, { groupName: string; name: string }>();
    for await (const key of await kv.keys()) {
      const id = scheduleKeys.parseSchedule(key);
      if (id) names.set(key, { groupName: id.group, name: id.name });
    }
    let after: string | undefined;
    for (;;) {
      const page = await store.list({ groupName: DEFAULT_GROUP, limit: PAGE, ...(after !== undefined ? { after } : {}) });
      for (const s of page.schedules) names.set(scheduleKeys.schedule(s.groupName, s.name), { groupName: s.groupName, name: s.name });
      if (!page.more) break;
      after = page.schedules.at(-1)?.name;
    }
    const report = { published: 0, removed: 0, unchanged: 0 };
    for (const { groupName, name } of names.values()) report[await syncOnce(groupName, name)]++;
    return report;
  }

  async function tick(): Promise<void> {
    for (const [key, { groupName, name }] of [...dirty]) {
      if (stopped) return;
      try {
        await syncOnce(groupName, name);
        dirty.delete(key);
      } catch (err) {
        log.warn("schedule view sync still failing", { schedule: name, err });
      }
    }
    if (reconciled || stopped) return;
    try {
      log.info("schedule views reconciled", { ...(await reconcile()) });
      reconciled = true;
    } catch (err) {
      log.warn("schedule view reconciliation failed; retrying", { err });
    }
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => { running = tick().finally(() => { running = undefined; schedule(retryMs); }); }, delayMs);
  }

  return {
    async sync(groupName, name) {
      const key = scheduleKeys.schedule(groupName, name);
      try {
        await syncOnce(groupName, name);
        dirty.delete(key);
      } catch (err) {
        dirty.set(key, { groupName, name });
        log.error("schedule view not published; retrying in the background", { schedule: name, err });
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
