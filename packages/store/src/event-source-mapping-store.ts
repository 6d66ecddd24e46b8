/**
 * Lambda event source mappings on PostgreSQL, keyed by UUID. Every write returns the new record
 * with a fresh `revision`, which the KV view carries. One source maps to a function at most once
 * (the unique constraint); a second create throws `conflict` naming the existing UUID.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { Component, ErrorCode, FnmeshError } from "@fnmesh/protocol";

export interface EventSourceMappingRecord {
  uuid: string;
  functionName: string;
  functionQualifier?: "$LATEST";
  eventSourceArn: string;
  enabled: boolean;
  batchSize: number;
  maximumBatchingWindowInSeconds: number;
  startingPosition?: "TRIM_HORIZON" | "LATEST" | "AT_TIMESTAMP";
  startingPositionTimestamp?: Date;
  /** As given: `{ Filters: [{ Pattern }] }`, already validated. */
  filterCriteria?: { Filters: { Pattern: string }[] };
  functionResponseTypes: "ReportBatchItemFailures"[];
  maximumRetryAttempts: number;
  onFailure?: string;
  revision: string;
  createdAt: Date;
  lastModified: Date;
}

export type NewEventSourceMapping = Omit<EventSourceMappingRecord, "uuid" | "revision" | "createdAt" | "lastModified">;
/** What UpdateEventSourceMapping may change; the source and starting position are fixed at create. */
export type EventSourceMappingUpdate = Omit<NewEventSourceMapping, "eventSourceArn" | "startingPosition" | "startingPositionTimestamp">;

export interface EventSourceMappingListOptions {
  functionName?: string;
  eventSourceArn?: string;
  /** The last UUID of the previous page (callers wrap it in their own marker). */
  after?: string;
  limit: number;
}

export interface EventSourceMappingStore {
  /** Throws `conflict` (message: the existing UUID) when the source already maps to the function. */
  create(mapping: NewEventSourceMapping): Promise<EventSourceMappingRecord>;
  get(uuid: string): Promise<EventSourceMappingRecord | undefined>;
  /** Replaces every updatable field; undefined when there is no such mapping; `conflict` as in create. */
  update(uuid: string, update: EventSourceMappingUpdate): Promise<EventSourceMappingRecord | undefined>;
  /** The deleted record, or undefined when there was none. */
  delete(uuid: string): Promise<EventSourceMappingRecord | undefined>;
  /** Ordered by UUID; `more` says whether another page follows. */
  list(options: EventSourceMappingListOptions): Promise<{ mappings: EventSourceMappingRecord[]; more: boolean }>;
}

interface Row {
  uuid: string; function_name: string; function_qualifier: "$LATEST" | null; event_source_arn: string; enabled: boolean;
  batch_size: number; max_batching_window_sec: number; starting_position: EventSourceMappingRecord["startingPosition"] | null;
  starting_position_timestamp: Date | null; filter_criteria: EventSourceMappingRecord["filterCriteria"] | null;
  function_response_types: "ReportBatchItemFailures"[]; max_retry_attempts: number; on_failure: string | null;
  revision: string; created_at: Date; last_modified: Date;
}

function toRecord(r: Row): EventSourceMappingRecord {
  return {
    uuid: r.uuid, functionName: r.function_name, eventSourceArn: r.event_source_arn, enabled: r.enabled, batchSize: r.batch_size,
    maximumBatchingWindowInSeconds: r.max_batching_window_sec, functionResponseTypes: r.function_response_types,
    maximumRetryAttempts: r.max_retry_attempts, revision: r.revision, createdAt: r.created_at, lastModified: r.last_modified,
    ...(r.function_qualifier !== null ? { functionQualifier: r.function_qualifier } : {}),
    ...(r.starting_position !== null ? { startingPosition: r.starting_position } : {}),
    ...(r.starting_position_timestamp !== null ? { startingPositionTimestamp: r.starting_position_timestamp } : {}),
    ...(r.filter_criteria !== null ? { filterCriteria: r.filter_criteria } : {}),
    ...(r.on_failure !== null ? { onFailure: r.on_failure } : {}),
  };
}

const UNIQUE_VIOLATION = "23505";

export function createEventSourceMappingStore(pool: pg.Pool): EventSourceMappingStore {
  async function get(uuid: string): Promise<EventSourceMappingRecord | undefined> {
    const { rows } = await pool.query<Row>("SELECT * FROM event_source_mappings WHERE uuid = $1", [uuid]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** A unique violation becomes `conflict` whose message is the UUID already mapping that source to that function. */
  async function conflictOf(err: unknown, functionName: string, eventSourceArn: string): Promise<never> {
    if ((err as { code?: string }).code !== UNIQUE_VIOLATION) throw err;
    const { rows } = await pool.query<{ uuid: string }>(
      "SELECT uuid FROM event_source_mappings WHERE function_name = $1 AND event_source_arn = $2", [functionName, eventSourceArn]);
    throw new FnmeshError(ErrorCode.Conflict, Component.Store, rows[0]?.uuid ?? "", { cause: err });
  }

  return {
    async create(m) {
      try {
        const { rows } = await pool.query<Row>(
          `INSERT INTO event_source_mappings (uuid, function_name, function_qualifier, event_source_arn, enabled, batch_size,
             max_batching_window_sec, starting_position, starting_position_timestamp, filter_criteria, function_response_types,
             max_retry_attempts, on_failure, revision)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14) RETURNING *`,
          [randomUUID(), m.functionName, m.functionQualifier ?? null, m.eventSourceArn, m.enabled, m.batchSize,
            m.maximumBatchingWindowInSeconds, m.startingPosition ?? null, m.startingPositionTimestamp ?? null,
            m.filterCriteria ? JSON.stringify(m.filterCriteria) : null, m.functionResponseTypes, m.maximumRetryAttempts,
            m.onFailure ?? null, randomUUID()],
        );
        return toRecord(rows[0] as Row);
      } catch (err) {
        return conflictOf(err, m.functionName, m.eventSourceArn);
      }
    },
    get,
    async update(uuid, u) {
      try {
        const { rows } = await pool.query<Row>(
          `UPDATE event_source_mappings SET function_name = $2, function_qualifier = $3, enabled = $4, batch_size = $5,
             max_batching_window_sec = $6, filter_criteria = $7, function_response_types = $8, max_retry_attempts = $9,
             on_failure = $10, revision = $11, last_modified = now()
           WHERE uuid = $1 RETURNING *`,
          [uuid, u.functionName, u.functionQualifier ?? null, u.enabled, u.batchSize, u.maximumBatchingWindowInSeconds,
            u.filterCriteria ? JSON.stringify(u.filterCriteria) : null, u.functionResponseTypes, u.maximumRetryAttempts,
            u.onFailure ?? null, randomUUID()],
        );
        return rows[0] ? toRecord(rows[0]) : undefined;
      } catch (err) {
        const current = await get(uuid);
        return conflictOf(err, u.functionName, current?.eventSourceArn ?? "");
      }
    },
    async delete(uuid) {
      const { rows } = await pool.query<Row>("DELETE FROM event_source_mappings WHERE uuid = $1 RETURNING *", [uuid]);
      return rows[0] ? toRecord(rows[0]) : undefined;
    },
    async list({ functionName, eventSourceArn, after, limit }) {
      const values: unknown[] = [after ?? "00000000-0000-0000-0000-000000000000", limit + 1];
      let where = after === undefined ? "uuid >= $1" : "uuid > $1";
      if (functionName !== undefined) { values.push(functionName); where += ` AND function_name = $${values.length}`; }
      if (eventSourceArn !== undefined) { values.push(eventSourceArn); where += ` AND event_source_arn = $${values.length}`; }
      const { rows } = await pool.query<Row>(`SELECT * FROM event_source_mappings WHERE ${where} ORDER BY uuid LIMIT $2`, values);
      return { mappings: rows.slice(0, limit).map(toRecord), more: rows.length > limit };
    },
  };
}
