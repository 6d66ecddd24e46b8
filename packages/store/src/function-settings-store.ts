/**
 * Per-function settings beside the configuration: reserved concurrency and the asynchronous
 * invocation config. Lambda changes neither RevisionId nor LastModified for these, so writes here
 * leave both alone; the published FunctionView still changes, which is what resolvers watch.
 */
import pg from "pg";
import { toRecord, type EventInvokeConfigJson, type FunctionRow } from "./function-row.ts";
import type { EventInvokeSettings, FunctionRecord } from "./types.ts";

/** Every fnmesh process that reserves concurrency takes this transaction lock, so two puts never both fit. */
const RESERVATION_LOCK_KEY = 0x666e7263;

export type ReserveOutcome =
  | { kind: "reserved"; record: FunctionRecord }
  | { kind: "not_found" }
  /** The other functions' reservations plus this one would exceed `maxReservedTotal`. */
  | { kind: "over_limit"; reservedByOthers: number };

export interface AccountUsage {
  functionCount: number;
  /** Bytes of every function's deployment package (zip). */
  totalCodeSize: number;
  /** Sum of every function's reserved concurrency. */
  reservedTotal: number;
}

export interface FunctionSettingsStore {
  /** Replaces the function's config (members left out are unset); undefined if there is no such function. */
  putEventInvokeConfig(name: string, settings: EventInvokeSettings): Promise<FunctionRecord | undefined>;
  /**
   * Sets the given members and keeps the others (a member given as `null` is unset); undefined
   * if there is no such function or it has no config to update.
   */
  updateEventInvokeConfig(name: string, patch: { [K in keyof EventInvokeSettings]?: EventInvokeSettings[K] | null }): Promise<FunctionRecord | undefined>;
  /** Removes the config; undefined if there was no function or no config. */
  deleteEventInvokeConfig(name: string): Promise<FunctionRecord | undefined>;
  /** Reserves `n` for the function if all reservations together stay within `maxReservedTotal`. */
  reserveConcurrency(name: string, n: number, maxReservedTotal: number): Promise<ReserveOutcome>;
  /** Returns the function to the unreserved pool; undefined if there is no such function. */
  unreserveConcurrency(name: string): Promise<FunctionRecord | undefined>;
  accountUsage(): Promise<AccountUsage>;
}

function toJson(settings: { [K in keyof EventInvokeSettings]?: EventInvokeSettings[K] | null }, now: Date): EventInvokeConfigJson {
  const json: EventInvokeConfigJson = { lastModified: now.toISOString() };
  for (const key of ["maximumRetryAttempts", "maximumEventAgeSec", "onSuccess", "onFailure"] as const) {
    if (key in settings && settings[key] !== undefined) (json as unknown as Record<string, unknown>)[key] = settings[key];
  }
  return json;
}

export function createFunctionSettingsStore(pool: pg.Pool): FunctionSettingsStore {
  const one = async (sql: string, values: unknown[]) => {
    const { rows } = await pool.query<FunctionRow>(sql, values);
    return rows[0] ? toRecord(rows[0]) : undefined;
  };
  return {
    putEventInvokeConfig(name, settings) {
      return one("UPDATE functions SET event_invoke_config = $2::jsonb WHERE name = $1 RETURNING *",
        [name, JSON.stringify(toJson(settings, new Date()))]);
    },
    updateEventInvokeConfig(name, patch) {
      // jsonb `||` merges one level deep: the members given replace, the rest stay.
      return one(`UPDATE functions SET event_invoke_config = event_invoke_config || $2::jsonb
        WHERE name = $1 AND event_invoke_config IS NOT NULL RETURNING *`, [name, JSON.stringify(toJson(patch, new Date()))]);
    },
    deleteEventInvokeConfig(name) {
      return one("UPDATE functions SET event_invoke_config = NULL WHERE name = $1 AND event_invoke_config IS NOT NULL RETURNING *", [name]);
    },
    async reserveConcurrency(name, n, maxReservedTotal) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        await client.query("SELECT pg_advisory_xact_lock($1)", [RESERVATION_LOCK_KEY]);
        const { rows: [others] } = await client.query<{ total: string }>(
          "SELECT COALESCE(SUM(reserved_concurrency), 0) AS total FROM functions WHERE name <> $1", [name]);
        const reservedByOthers = Number(others?.total ?? 0);
        const { rows } = await client.query<FunctionRow>("SELECT * FROM functions WHERE name = $1 FOR UPDATE", [name]);
        if (!rows[0]) {
          await client.query("ROLLBACK");
          return { kind: "not_found" };
        }
        if (reservedByOthers + n > maxReservedTotal) {
          await client.query("ROLLBACK");
          return { kind: "over_limit", reservedByOthers };
        }
        const { rows: [updated] } = await client.query<FunctionRow>(
          "UPDATE functions SET reserved_concurrency = $2 WHERE name = $1 RETURNING *", [name, n]);
        await client.query("COMMIT");
        return { kind: "reserved", record: toRecord(updated as FunctionRow) };
      } catch (err) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    unreserveConcurrency(name) {
      return one("UPDATE functions SET reserved_concurrency = NULL WHERE name = $1 RETURNING *", [name]);
    },
    async accountUsage() {
      const { rows: [r] } = await pool.query<{ count: string; code: string; reserved: string }>(
        `SELECT count(*) AS count, COALESCE(SUM(code_size), 0) AS code, COALESCE(SUM(reserved_concurrency), 0) AS reserved
         FROM functions`);
      return { functionCount: Number(r?.count ?? 0), totalCodeSize: Number(r?.code ?? 0), reservedTotal: Number(r?.reserved ?? 0) };
    },
  };
}
