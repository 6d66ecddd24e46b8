/**
 * Postgres event source mappings, the feed side: for an Enabled mapping, a change feed from its
 * slot into FNMESH_CHANGES (`fnmesh.changes.<uuid>`), confirmed to PostgreSQL only after each PubAck;
 * for a deleted one, its slot and publication dropped. The delivery side (the mapping's consumer on
 * FNMESH_CHANGES invoking the function) is separate, so a slow function never holds WAL.
 *
 * Every replica may call startPostgresFeed for every Enabled postgres mapping: PostgreSQL streams a
 * slot to one of them at a time and the others wait (see @fnmesh/pg-change-feed).
 */
import type { NatsConnection } from "@nats-io/transport-node";
import { jetstream } from "@nats-io/jetstream";
import type { EventSourceMappingView } from "@fnmesh/protocol";
import {
  DEFAULT_MAX_SLOT_LAG_BYTES, dropChangeFeed, enforceSlotLagLimit, publishChanges, publishSlotSkipped, publishUndecodable, startChangeFeed, type FeedLogger, type PgSource,
} from "@fnmesh/pg-change-feed";
import { ensureEventSourceStreams } from "@fnmesh/service-kit";

export interface PostgresFeedDeps {
  nc: NatsConnection;
  /** FNMESH_PG_SOURCES, parsed (parsePgSources). */
  sources: ReadonlyMap<string, PgSource>;
  log: FeedLogger;
  /** FNMESH_PG_MAX_SLOT_LAG_BYTES (default 1 GiB). */
  maxSlotLagBytes?: number;
  /** FNMESH_JS_REPLICAS, for the streams created at start. */
  jsReplicas?: number;
}

export interface RunningPostgresFeed {
  stop(): Promise<void>;
}

function postgresSource(view: EventSourceMappingView, sources: ReadonlyMap<string, PgSource>) {
  if (view.source.kind !== "postgres") throw new Error(`mapping ${view.uuid} is not a postgres mapping (${view.source.kind})`);
  const pg = sources.get(view.source.source);
  if (!pg) {
    throw new Error(`mapping ${view.uuid} reads source ${JSON.stringify(view.source.source)}, which FNMESH_PG_SOURCES does not define ` +
      `(defined: ${[...sources.keys()].join(", ") || "none"})`);
  }
  return { source: view.source, pg };
}

/** Starts the feed of an Enabled postgres mapping (creating its publication and slot if missing). */
export async function startPostgresFeed(deps: PostgresFeedDeps, view: EventSourceMappingView): Promise<RunningPostgresFeed> {
  const { source, pg } = postgresSource(view, deps.sources);
  await ensureEventSourceStreams(deps.nc, { replicas: deps.jsReplicas ?? 1 });
  const js = jetstream(deps.nc);
  const feed = startChangeFeed({
    connectionString: pg.connectionString,
    mappingUuid: view.uuid,
    schema: source.schema,
    table: source.table,
    eventSourceArn: view.eventSourceArn,
    log: deps.log,
    ...(deps.maxSlotLagBytes === undefined ? {} : { maxSlotLagBytes: deps.maxSlotLagBytes }),
    onChanges: async (records) => { await publishChanges(js, view.uuid, records); },
    onUndecodable: (change) => publishUndecodable(js, view.uuid, change),
    onSlotSkipped: (skipped) => publishSlotSkipped(js, skipped),
  });
  return { stop: () => feed.stop() };
}

/** A deleted postgres mapping: drops its slot (ending any walsender still reading it) and publication. */
export async function cleanupPostgresFeed(deps: Pick<PostgresFeedDeps, "sources">, view: EventSourceMappingView): Promise<void> {
  const { pg } = postgresSource(view, deps.sources);
  await dropChangeFeed({ connectionString: pg.connectionString, mappingUuid: view.uuid });
}

/**
 * The slot-lag policy for a mapping whose feed is not running here (Disabled, or held by another
 * replica): logs the lag, and past FNMESH_PG_MAX_SLOT_LAG_BYTES skips an unread slot ahead after
 * dead-lettering the skipped range (FNMESH_DLQ must exist). Call it periodically (e.g. every 30 s)
 * for every postgres mapping that is not Enabled; a running feed applies the policy itself.
 */
export async function enforcePostgresSlotLag(deps: Omit<PostgresFeedDeps, "jsReplicas">, view: EventSourceMappingView): Promise<{ lagBytes: number | undefined; skipped: boolean }> {
  const { pg } = postgresSource(view, deps.sources);
  const js = jetstream(deps.nc);
  const result = await enforceSlotLagLimit({
    connectionString: pg.connectionString, mappingUuid: view.uuid, maxLagBytes: deps.maxSlotLagBytes ?? DEFAULT_MAX_SLOT_LAG_BYTES,
    log: deps.log, onSkipped: (skipped) => publishSlotSkipped(js, skipped),
  });
  return { lagBytes: result.lagBytes, skipped: result.skipped !== undefined };
}
