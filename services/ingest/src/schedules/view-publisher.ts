/**
 * Keeps SCHEDULES_BUCKET equal to the schedules in PostgreSQL (kv-view-publisher.ts): `sync` after
 * every write, failed syncs retried in the background, `reconcile` at start.
 */
import type { KV } from "@nats-io/kv";
import { scheduleKeys } from "@fnmesh/protocol";
import type { ScheduleStore } from "@fnmesh/store";
import type { Logger } from "@fnmesh/telemetry";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { createKvViewPublisher, type KvViewPublisher } from "../kv-view-publisher.ts";
import { DEFAULT_GROUP } from "./schedule-arn.ts";
import { toScheduleView } from "./shapes.ts";

export interface ScheduleId { groupName: string; name: string }

export interface ScheduleViewPublisher {
  /** Makes the bucket match the row (or its absence). Never throws; a failure is retried in the background. */
  sync(groupName: string, name: string): Promise<void>;
  /** Compares every row and key once; throws when PostgreSQL or NATS fails. */
  reconcile: KvViewPublisher<ScheduleId>["reconcile"];
  /** A reconciliation now (retried until it succeeds), and retries of failed syncs. */
  start(): void;
  stop(): Promise<void>;
}

export interface ScheduleViewPublisherOptions {
  kv: KV; store: ScheduleStore; account: AccountInfo; log: Logger;
  /** Between retries. Default 1 s. */
  retryMs?: number;
}

const PAGE = 500;
const encoder = new TextEncoder();

export function createScheduleViewPublisher(options: ScheduleViewPublisherOptions): ScheduleViewPublisher {
  const { store, account } = options;
  const publisher = createKvViewPublisher<ScheduleId>({
    kv: options.kv, log: options.log, what: "schedule view",
    ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
    keyOf: (id) => scheduleKeys.schedule(id.groupName, id.name),
    idOfKey(key) {
      const id = scheduleKeys.parseSchedule(key);
      return id ? { groupName: id.group, name: id.name } : undefined;
    },
    async load(id) {
      const row = await store.get(id.groupName, id.name);
      return row ? encoder.encode(JSON.stringify(toScheduleView(row, account))) : undefined;
    },
    async *listIds() {
      let after: string | undefined;
      for (;;) {
        const page = await store.list({ groupName: DEFAULT_GROUP, limit: PAGE, ...(after !== undefined ? { after } : {}) });
        for (const s of page.schedules) yield { groupName: s.groupName, name: s.name };
        if (!page.more) return;
        after = page.schedules.at(-1)?.name;
      }
    },
    describe: (id) => ({ group: id.groupName, schedule: id.name }),
  });
  return { ...publisher, sync: (groupName, name) => publisher.sync({ groupName, name }) };
}
