/**
 * @fnmesh/pg-change-feed — Postgres change feeds for event source mappings: a publication and a
 * pgoutput replication slot per mapping, streamed into DynamoDB-Streams-like PostgresChangeRecords
 * (@fnmesh/protocol) and written to FNMESH_CHANGES, confirming PostgreSQL's position only after
 * the records are stored. See README.md.
 *
 * @example
 * ```ts
 * import { publishChanges, publishSlotSkipped, publishUndecodable, startChangeFeed } from "@fnmesh/pg-change-feed";
 * const feed = startChangeFeed({
 *   connectionString, mappingUuid, schema: "public", table: "orders", eventSourceArn, log,
 *   onChanges: (records) => publishChanges(js, mappingUuid, records).then(() => {}),
 *   onUndecodable: (change) => publishUndecodable(js, mappingUuid, change),
 *   onSlotSkipped: (skipped) => publishSlotSkipped(js, skipped),
 * });
 * await feed.stop();
 * ```
 */
export { parsePgSources, redactConnectionString } from "./pg-sources.ts";
export type { PgSource } from "./pg-sources.ts";
export { slotName, publicationName, mappingOfSlot } from "./names.ts";
export { ensureChangeFeed, dropChangeFeed, slotLag, slotLagBytes } from "./slot-admin.ts";
export type { ChangeFeedTarget, EnsureChangeFeedOptions, EnsuredChangeFeed, SlotLag } from "./slot-admin.ts";
export { enforceSlotLagLimit, DEFAULT_MAX_SLOT_LAG_BYTES } from "./slot-lag-guard.ts";
export type { SlotLagGuardOptions, SlotSkipped } from "./slot-lag-guard.ts";
export { startChangeFeed } from "./change-feed.ts";
export type { ChangeFeed, ChangeFeedOptions, UndecodableChange } from "./change-feed.ts";
export { publishChanges, publishUndecodable, publishSlotSkipped, changeMessageId } from "./publish-changes.ts";
export type { FeedLogger } from "./logger.ts";
