/**
 * Watches EVENT_SOURCES_BUCKET (current values, then every change) into a MappingTable and tells a
 * listener (the runner manager) about each put and delete. A value that is not a valid view is
 * logged and ignored: the mapping keeps what this replica last knew of it (a newer ingest's view
 * during a rollout must not stop a running mapping), and nothing crashes. The watch resumes after
 * the last revision seen when it breaks (server restart, lost connection).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { KvWatchInclude, type KV } from "@nats-io/kv";
import { EventSourceMappingView, kvBuckets } from "@fnmesh/protocol";
import { openKvBucket } from "@fnmesh/service-kit";
import type { Logger } from "@fnmesh/telemetry";
import { MappingTable } from "./mapping-table.ts";

export interface MappingListener {
  put(view: EventSourceMappingView, previous: EventSourceMappingView | undefined): void;
  delete(previous: EventSourceMappingView): void;
}

export interface MappingWatcherOptions {
  nc: NatsConnection;
  log: Logger;
  listener: MappingListener;
  /** FNMESH_JS_REPLICAS, for the bucket if this replica creates it. */
  replicas?: number;
  /** Wait before watching again after the watch broke. Default 1000 ms. */
  retryMs?: number;
}

export interface MappingWatcher {
  table: MappingTable;
  /** Resolves once the bucket's current values are in the table (and passed to the listener). */
  ready: Promise<void>;
  stop(): Promise<void>;
}

function decode(value: Uint8Array): EventSourceMappingView | string {
  let json: unknown;
  try { json = JSON.parse(new TextDecoder().decode(value)); } catch (err) { return `not JSON: ${(err as Error).message}`; }
  const parsed = EventSourceMappingView.safeParse(json);
  return parsed.success ? parsed.data : parsed.error.message;
}

export async function startMappingWatcher(options: MappingWatcherOptions): Promise<MappingWatcher> {
  const { log, listener } = options;
  const kv: KV = await openKvBucket(options.nc, kvBuckets.eventSources, { replicas: options.replicas ?? 1 });
  const table = new MappingTable();
  let stopped = false;
  let seen = 0;
  let stopWatch: (() => void) | undefined;
  let wake: (() => void) | undefined;
  let markReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => { markReady = resolve; });

  const apply = (key: string, operation: string, value: Uint8Array, revision: number) => {
    if (operation !== "PUT") {
      const previous = table.delete(key);
      if (previous) listener.delete(previous);
      return;
    }
    const view = decode(value);
    if (typeof view === "string" || view.uuid !== key) {
      log.warn("ignoring an invalid event source mapping view", { key, revision, problem: typeof view === "string" ? view : `uuid ${view.uuid} under key ${key}` });
      return;
    }
    const previous = table.get(key);
    table.set(view);
    listener.put(view, previous);
  };

  async function loop(): Promise<void> {
    while (!stopped) {
      try {
        // Where the bucket stands now: the watch's initial values end at this revision.
        const lastSeq = (await kv.status()).streamInfo.state.last_seq;
        if (lastSeq <= seen) markReady();
        const iter = await kv.watch({ include: KvWatchInclude.LastValue, ...(seen > 0 ? { resumeFromRevision: seen + 1 } : {}) });
        stopWatch = () => iter.stop();
        if (stopped) iter.stop();
        for await (const e of iter) {
          seen = Math.max(seen, e.revision);
          try {
            apply(e.key, e.operation, e.value, e.revision);
          } catch (err) {
            log.error("event source mapping listener failed", { key: e.key, err });
          }
          if (seen >= lastSeq || e.isUpdate) markReady();
        }
      } catch (err) {
        if ((err as Error).name === "ClosedConnectionError") break;
        if (!stopped) log.warn("event source mapping watch failed; watching again", { err });
      }
      if (stopped) break;
      await new Promise<void>((r) => { const t = setTimeout(r, options.retryMs ?? 1_000); wake = () => { clearTimeout(t); r(); }; });
    }
    markReady();
  }
  const running = loop();

  return {
    table,
    ready,
    async stop() {
      stopped = true;
      stopWatch?.();
      wake?.();
      await running;
    },
  };
}
