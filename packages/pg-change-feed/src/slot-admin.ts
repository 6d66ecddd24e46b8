/**
 * Creating, dropping and measuring a mapping's publication and replication slot, on ordinary (not
 * replication) connections. Every step is idempotent and safe to race: trigger replicas may all run
 * it for the same mapping.
 *
 * Starting position: a slot created now streams changes committed after its creation — Lambda's
 * LATEST. It then keeps its position across restarts, takeovers and PostgreSQL restarts until the
 * mapping is deleted (TRIM_HORIZON and AT_TIMESTAMP cannot exist: WAL before the slot is gone).
 */
import pg from "pg";
import { publicationName, qualifiedTable, slotName } from "./names.ts";

export interface ChangeFeedTarget {
  connectionString: string;
  mappingUuid: string;
}

export interface EnsureChangeFeedOptions extends ChangeFeedTarget {
  schema: string;
  table: string;
}

/** What ensureChangeFeed found or made. */
export interface EnsuredChangeFeed {
  slot: string;
  publication: string;
  createdSlot: boolean;
  createdPublication: boolean;
  /** Set when UPDATE/DELETE on the table will fail in PostgreSQL now that it is published (no replica identity). */
  warning?: string;
}

const DUPLICATE_OBJECT = "42710";
/** Two replicas creating the same publication at once: the loser may see the catalog's unique index instead. */
const UNIQUE_VIOLATION = "23505";

export async function withClient<T>(connectionString: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString, application_name: "fnmesh-trigger" });
  client.on("error", () => {}); // the query's own rejection reports failures
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Creates the mapping's publication (FOR TABLE schema.table) and then its pgoutput slot, each only
 * if missing. The publication must exist before the slot: pgoutput reads publications as of each
 * change's time, and changes older than the publication would fail to decode.
 */
export async function ensureChangeFeed(options: EnsureChangeFeedOptions): Promise<EnsuredChangeFeed> {
  const slot = slotName(options.mappingUuid);
  const publication = publicationName(options.mappingUuid);
  return withClient(options.connectionString, async (client) => {
    let createdPublication = false;
    const pub = await client.query("SELECT 1 FROM pg_publication WHERE pubname = $1", [publication]);
    if (pub.rowCount === 0) {
      try {
        await client.query(`CREATE PUBLICATION ${publication} FOR TABLE ${qualifiedTable(options.schema, options.table)}`);
        createdPublication = true;
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (code !== DUPLICATE_OBJECT && code !== UNIQUE_VIOLATION) throw err;
      }
    }
    let createdSlot = false;
    const existing = await client.query("SELECT plugin FROM pg_replication_slots WHERE slot_name = $1", [slot]);
    if (existing.rowCount === 0) {
      try {
        await client.query("SELECT pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
        createdSlot = true;
      } catch (err) {
        if ((err as { code?: string }).code !== DUPLICATE_OBJECT) throw err;
      }
    }
    const ident = await client.query<{ relreplident: string; has_pk: boolean }>(
      `SELECT c.relreplident, EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND (i.indisprimary OR i.indisreplident)) AS has_pk
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = $2`,
      [options.schema, options.table],
    );
    const row = ident.rows[0];
    const result: EnsuredChangeFeed = { slot, publication, createdSlot, createdPublication };
    if (row && (row.relreplident === "n" || (row.relreplident === "d" && !row.has_pk))) {
      result.warning = `${options.schema}.${options.table} has no replica identity (no primary key, or REPLICA IDENTITY NOTHING): ` +
        "PostgreSQL refuses UPDATE and DELETE on a published table without one; add a primary key or ALTER TABLE … REPLICA IDENTITY FULL";
    }
    return result;
  });
}

/**
 * Drops the mapping's slot and publication (a deleted mapping). A walsender still streaming the
 * slot (a replica that has not seen the delete yet) is terminated first; its feed's reconnects then
 * fail on the missing slot until it is stopped. Idempotent.
 */
export async function dropChangeFeed(target: ChangeFeedTarget): Promise<void> {
  const slot = slotName(target.mappingUuid);
  await withClient(target.connectionString, async (client) => {
    for (let attempt = 0; ; attempt++) {
      const res = await client.query<{ active_pid: number | null }>("SELECT active_pid FROM pg_replication_slots WHERE slot_name = $1", [slot]);
      const row = res.rows[0];
      if (!row) break;
      try {
        if (row.active_pid !== null) await client.query("SELECT pg_terminate_backend($1)", [row.active_pid]);
        await client.query("SELECT pg_drop_replication_slot($1)", [slot]);
        break;
      } catch (err) {
        // 42704: dropped meanwhile; 55006: (re)acquired meanwhile — terminate again.
        const code = (err as { code?: string }).code;
        if (code === "42704") break;
        if (code !== "55006" || attempt >= 50) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    await client.query(`DROP PUBLICATION IF EXISTS ${publicationName(target.mappingUuid)}`);
  });
}

/** A slot's position and lag. */
export interface SlotLag {
  /** pg_current_wal_lsn() − confirmed_flush_lsn: WAL written since the last change fnmesh confirmed. */
  lagBytes: number;
  /** pg_current_wal_lsn() − restart_lsn: WAL the slot keeps on disk. */
  retainedBytes: number;
  confirmedFlushLsn: string | null;
  currentLsn: string;
  /** pg_current_wal_flush_lsn(): how far a slot can be moved (decoding reads flushed WAL only). */
  flushLsn: string;
  /** The walsender streaming it, if any. */
  activePid: number | null;
}

/** The mapping's slot lag, or undefined when it has no slot. */
export async function slotLag(target: ChangeFeedTarget): Promise<SlotLag | undefined> {
  const res = await withClient(target.connectionString, (client) => client.query<{
    lag: string | null; retained: string | null; confirmed: string | null; current: string; flush: string; active_pid: number | null;
  }>(
    `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), confirmed_flush_lsn)::text AS lag,
            pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::text AS retained,
            confirmed_flush_lsn::text AS confirmed,
            pg_current_wal_lsn()::text AS current, pg_current_wal_flush_lsn()::text AS flush, active_pid
       FROM pg_replication_slots WHERE slot_name = $1`,
    [slotName(target.mappingUuid)],
  ));
  const row = res.rows[0];
  if (!row) return undefined;
  return {
    lagBytes: Number(row.lag ?? 0), retainedBytes: Number(row.retained ?? 0),
    confirmedFlushLsn: row.confirmed, currentLsn: row.current, flushLsn: row.flush, activePid: row.active_pid,
  };
}

/** pg_current_wal_lsn() − confirmed_flush_lsn of the mapping's slot in bytes (undefined: no slot). */
export async function slotLagBytes(target: ChangeFeedTarget): Promise<number | undefined> {
  return (await slotLag(target))?.lagBytes;
}

/**
 * Moves an inactive slot's confirmed position to `toLsn` (a position reported by slotLag), releasing
 * the WAL it held: the changes in between are never streamed. Throws 55006 when a walsender holds the slot.
 */
export async function skipSlotTo(target: ChangeFeedTarget, toLsn: string): Promise<void> {
  await withClient(target.connectionString, (client) =>
    client.query("SELECT pg_replication_slot_advance($1, $2::pg_lsn)", [slotName(target.mappingUuid), toLsn]));
}
