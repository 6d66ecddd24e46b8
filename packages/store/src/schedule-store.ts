/**
 * EventBridge Scheduler schedules on PostgreSQL, keyed by (group, name). Every write returns the
 * new record with a fresh `revision`, which the KV view carries, so a scheduler's "delete after
 * completion" can be made conditional on the schedule it actually fired.
 */
import { randomUUID } from "node:crypto";
import type pg from "pg";
import { Component, ErrorCode, FnmeshError } from "@fnmesh/protocol";

export interface ScheduleTargetRecord {
  arn: string;
  roleArn: string;
  input?: string;
  retryPolicy?: { maximumEventAgeInSeconds: number; maximumRetryAttempts: number };
}

export interface FlexibleTimeWindowRecord { mode: "OFF" | "FLEXIBLE"; maximumWindowInMinutes?: number }

export interface ScheduleRecord {
  groupName: string;
  name: string;
  description?: string;
  expression: string;
  timezone: string;
  state: "ENABLED" | "DISABLED";
  startDate?: Date;
  endDate?: Date;
  target: ScheduleTargetRecord;
  flexibleTimeWindow: FlexibleTimeWindowRecord;
  actionAfterCompletion: "NONE" | "DELETE";
  clientToken?: string;
  revision: string;
  createdAt: Date;
  lastModified: Date;
}

/** What CreateSchedule stores; UpdateSchedule replaces all of it but the names and the token. */
export type NewSchedule = Omit<ScheduleRecord, "revision" | "createdAt" | "lastModified">;
export type ScheduleUpdate = Omit<NewSchedule, "groupName" | "name" | "clientToken">;

export interface ScheduleListOptions {
  groupName: string;
  namePrefix?: string;
  state?: "ENABLED" | "DISABLED";
  /** The last name of the previous page (callers wrap it in their own token). */
  after?: string;
  limit: number;
}

export interface ScheduleStore {
  /** Throws `conflict` when the name is taken, unless the same client token created it (then returns that one). */
  create(schedule: NewSchedule): Promise<{ record: ScheduleRecord; created: boolean }>;
  get(groupName: string, name: string): Promise<ScheduleRecord | undefined>;
  /** Throws `not_found` when there is no such schedule. */
  update(groupName: string, name: string, update: ScheduleUpdate): Promise<ScheduleRecord>;
  /** Deletes it (only at `expectedRevision` when given); false when nothing was deleted. */
  delete(groupName: string, name: string, expectedRevision?: string): Promise<boolean>;
  /** Ordered by name; `more` says whether another page follows. */
  list(options: ScheduleListOptions): Promise<{ schedules: ScheduleRecord[]; more: boolean }>;
}

interface Row {
  group_name: string; name: string; description: string | null; expression: string; timezone: string;
  state: "ENABLED" | "DISABLED"; start_date: Date | null; end_date: Date | null; target: ScheduleTargetRecord;
  flexible_time_window: FlexibleTimeWindowRecord; action_after_completion: "NONE" | "DELETE";
  client_token: string | null; revision: string; created_at: Date; last_modified: Date;
}

function toRecord(r: Row): ScheduleRecord {
  return {
    groupName: r.group_name, name: r.name, expression: r.expression, timezone: r.timezone, state: r.state,
    target: r.target, flexibleTimeWindow: r.flexible_time_window, actionAfterCompletion: r.action_after_completion,
    revision: r.revision, createdAt: r.created_at, lastModified: r.last_modified,
    ...(r.description !== null ? { description: r.description } : {}),
    ...(r.start_date ? { startDate: r.start_date } : {}),
    ...(r.end_date ? { endDate: r.end_date } : {}),
    ...(r.client_token !== null ? { clientToken: r.client_token } : {}),
  };
}

/** LIKE's wildcards in a prefix match themselves. */
const likePrefix = (prefix: string) => `${prefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

export function createScheduleStore(pool: pg.Pool): ScheduleStore {
  async function get(groupName: string, name: string): Promise<ScheduleRecord | undefined> {
    const { rows } = await pool.query<Row>("SELECT * FROM schedules WHERE group_name = $1 AND name = $2", [groupName, name]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  return {
    async create(s) {
      try {
        const { rows } = await pool.query<Row>(
          `INSERT INTO schedules (group_name, name, description, expression, timezone, state, start_date, end_date, target,
             flexible_time_window, action_after_completion, client_token, revision)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) RETURNING *`,
          [s.groupName, s.name, s.description ?? null, s.expression, s.timezone, s.state, s.startDate ?? null, s.endDate ?? null,
            JSON.stringify(s.target), JSON.stringify(s.flexibleTimeWindow), s.actionAfterCompletion, s.clientToken ?? null, randomUUID()],
        );
        return { record: toRecord(rows[0] as Row), created: true };
      } catch (err) {
        if ((err as { code?: string }).code !== "23505") throw err;
        const existing = await get(s.groupName, s.name);
        if (existing && s.clientToken !== undefined && existing.clientToken === s.clientToken) return { record: existing, created: false };
        throw new FnmeshError(ErrorCode.Conflict, Component.Store, `Schedule ${s.name} already exists.`, { cause: err });
      }
    },
    get,
    async update(groupName, name, u) {
      const { rows } = await pool.query<Row>(
        `UPDATE schedules SET description = $3, expression = $4, timezone = $5, state = $6, start_date = $7, end_date = $8,
           target = $9, flexible_time_window = $10, action_after_completion = $11, revision = $12, last_modified = now()
         WHERE group_name = $1 AND name = $2 RETURNING *`,
        [groupName, name, u.description ?? null, u.expression, u.timezone, u.state, u.startDate ?? null, u.endDate ?? null,
          JSON.stringify(u.target), JSON.stringify(u.flexibleTimeWindow), u.actionAfterCompletion, randomUUID()],
      );
      if (!rows[0]) throw new FnmeshError(ErrorCode.NotFound, Component.Store, `Schedule ${name} does not exist.`);
      return toRecord(rows[0]);
    },
    async delete(groupName, name, expectedRevision) {
      const { rowCount } = expectedRevision === undefined
        ? await pool.query("DELETE FROM schedules WHERE group_name = $1 AND name = $2", [groupName, name])
        : await pool.query("DELETE FROM schedules WHERE group_name = $1 AND name = $2 AND revision::text = $3", [groupName, name, expectedRevision]);
      return (rowCount ?? 0) > 0;
    },
    async list({ groupName, namePrefix, state, after, limit }) {
      const values: unknown[] = [groupName, after ?? "", limit + 1];
      let where = 'group_name = $1 AND name COLLATE "C" > $2';
      if (namePrefix !== undefined) { values.push(likePrefix(namePrefix)); where += ` AND name LIKE $${values.length}`; }
      if (state !== undefined) { values.push(state); where += ` AND state = $${values.length}`; }
      // COLLATE "C" on both: the cursor compares in the order pages are cut, whatever the database collation.
      const { rows } = await pool.query<Row>(`SELECT * FROM schedules WHERE ${where} ORDER BY name COLLATE "C" LIMIT $3`, values);
      return { schedules: rows.slice(0, limit).map(toRecord), more: rows.length > limit };
    },
  };
}
