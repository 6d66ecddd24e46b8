/** Helpers shared by this package's tests against real PostgreSQL and nats-server. */
import { randomUUID } from "node:crypto";
import pg from "pg";
import { jetstream, jetstreamManager, type JetStreamClient } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/transport-node";
import { CHANGES_STREAM, PostgresChangeRecord, subjects } from "@fnmesh/protocol";
import { ensureEventSourceStreams } from "@fnmesh/service-kit";
import type { FeedLogger } from "../logger.ts";
import { publishChanges, publishSlotSkipped, publishUndecodable } from "../publish-changes.ts";
import { startChangeFeed, type ChangeFeed, type ChangeFeedOptions } from "../change-feed.ts";

export const arnFor = (table: string, schema = "public") => `arn:fnmesh:postgres:local:000000000000:table/dev/${schema}.${table}`;

/** Log lines kept for assertions (and printed when FNMESH_TEST_DEBUG=1). */
export function memoryLog(): FeedLogger & { lines: { level: string; msg: string; fields?: Record<string, unknown> }[] } {
  const lines: { level: string; msg: string; fields?: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields?: Record<string, unknown>) => {
    lines.push({ level, msg, ...(fields ? { fields } : {}) });
    if (process.env.FNMESH_TEST_DEBUG === "1") process.stderr.write(`${level} ${msg} ${JSON.stringify(fields ?? {}, (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}\n`);
  };
  return { lines, debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

export async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  client.on("error", () => {});
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end().catch(() => {});
  }
}

/** A feed publishing to FNMESH_CHANGES, as the trigger runs it. */
export async function startPublishingFeed(nc: NatsConnection, options: Omit<ChangeFeedOptions, "onChanges" | "onUndecodable" | "onSlotSkipped"> & Partial<Pick<ChangeFeedOptions, "onSlotSkipped">>): Promise<ChangeFeed> {
  await ensureEventSourceStreams(nc);
  const js = jetstream(nc);
  return startChangeFeed({
    onChanges: async (records) => { await publishChanges(js, options.mappingUuid, records); },
    onUndecodable: (change) => publishUndecodable(js, options.mappingUuid, change),
    onSlotSkipped: (skipped) => publishSlotSkipped(js, skipped),
    ...options,
  });
}

/** Every record stored for a mapping, in stream order (read by sequence; nothing is consumed). */
export async function storedChanges(nc: NatsConnection, mappingUuid: string): Promise<PostgresChangeRecord[]> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(CHANGES_STREAM);
  const subject = subjects.changes(mappingUuid);
  const out: PostgresChangeRecord[] = [];
  const { first_seq, last_seq } = info.state;
  if (info.state.messages === 0) return out;
  for (let seq = first_seq; seq <= last_seq; seq += 200) {
    const msgs = await Promise.all(Array.from({ length: Math.min(200, last_seq - seq + 1) }, (_, i) =>
      jsm.streams.getMessage(CHANGES_STREAM, { seq: seq + i }).catch(() => null)));
    for (const m of msgs) if (m && m.subject === subject) out.push(PostgresChangeRecord.parse(m.json()));
  }
  return out;
}

export const newMappingUuid = () => randomUUID();
export type { JetStreamClient };

/** Waits until at least `count` records are stored for the mapping; returns them all. */
export async function waitForChanges(nc: NatsConnection, mappingUuid: string, count: number, timeoutMs = 30_000): Promise<PostgresChangeRecord[]> {
  const { eventually } = await import("@fnmesh/test-harness");
  await eventually(async () => {
    const stored = await storedCount(nc, mappingUuid);
    if (stored < count) throw new Error(`${stored} of ${count} changes stored`);
  }, { name: `${count} changes stored`, timeoutMs, intervalMs: 100 });
  return storedChanges(nc, mappingUuid);
}

/**
 * Stops a feed and drops its slot and publication when disposed. Declare it after the test
 * database (`await using`), so it runs first: PostgreSQL refuses to drop a database with slots.
 */
export function feedCleanup(target: { connectionString: string; mappingUuid: string }, feed?: { stop(): Promise<void> }): AsyncDisposable & { feeds: { stop(): Promise<void> }[] } {
  const feeds = feed ? [feed] : [];
  return {
    feeds,
    async [Symbol.asyncDispose]() {
      for (const f of feeds) await f.stop();
      const { dropChangeFeed } = await import("../slot-admin.ts");
      await dropChangeFeed(target);
    },
  };
}

/** How many messages FNMESH_CHANGES holds for the mapping. */
export async function storedCount(nc: NatsConnection, mappingUuid: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  const subject = subjects.changes(mappingUuid);
  const info = await jsm.streams.info(CHANGES_STREAM, { subjects_filter: subject });
  return info.state.subjects?.[subject] ?? 0;
}
