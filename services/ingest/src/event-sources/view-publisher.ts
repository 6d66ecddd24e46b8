/**
 * Keeps EVENT_SOURCES_BUCKET equal to the mappings in PostgreSQL (kv-view-publisher.ts): `sync`
 * after every write, failed syncs retried in the background, `reconcile` at start.
 */
import type { KV } from "@nats-io/kv";
import { eventSourceKeys } from "@fnmesh/protocol";
import type { EventSourceMappingStore } from "@fnmesh/store";
import type { Logger } from "@fnmesh/telemetry";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { createKvViewPublisher, type KvViewPublisher } from "../kv-view-publisher.ts";
import { toMappingView } from "./shapes.ts";
import { sourceOf } from "./source-of.ts";

/** By mapping UUID. */
export type MappingViewPublisher = KvViewPublisher<string>;

export interface MappingViewPublisherOptions {
  kv: KV; store: EventSourceMappingStore; account: AccountInfo; log: Logger;
  /** Between retries. Default 1 s. */
  retryMs?: number;
}

const PAGE = 500;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const encoder = new TextEncoder();

export function createMappingViewPublisher(options: MappingViewPublisherOptions): MappingViewPublisher {
  const { store, account } = options;
  return createKvViewPublisher<string>({
    kv: options.kv, log: options.log, what: "event source mapping view",
    ...(options.retryMs === undefined ? {} : { retryMs: options.retryMs }),
    keyOf: eventSourceKeys.mapping,
    idOfKey: (key) => (UUID.test(key) ? key : undefined),
    async load(uuid) {
      const row = await store.get(uuid);
      return row ? encoder.encode(JSON.stringify(toMappingView(row, sourceOf(row.eventSourceArn, account)))) : undefined;
    },
    async *listIds() {
      let after: string | undefined;
      for (;;) {
        const page = await store.list({ limit: PAGE, ...(after !== undefined ? { after } : {}) });
        for (const m of page.mappings) yield m.uuid;
        if (!page.more) return;
        after = page.mappings.at(-1)?.uuid;
      }
    },
    describe: (uuid) => ({ uuid }),
  });
}
