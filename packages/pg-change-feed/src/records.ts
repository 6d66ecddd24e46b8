/**
 * Decoded pgoutput changes → PostgresChangeRecord (protocol), the DynamoDB-Streams-like record
 * functions receive.
 *
 * What REPLICA IDENTITY gives: under DEFAULT (primary key) and USING INDEX, PostgreSQL logs only the
 * key columns of the old row: REMOVE has `OldImage` = `Keys` = the key; MODIFY has an `OldImage`
 * (the old key) only when a key column changed. Under FULL the whole old row is logged: MODIFY and
 * REMOVE carry it as `OldImage`, and `Keys` holds every column. Under NOTHING, UPDATE and DELETE
 * fail in PostgreSQL for a published table, so only INSERT and TRUNCATE arrive.
 *
 * Unchanged TOAST values: an UPDATE that leaves a large (TOASTed, ~2 kB+) value untouched does not
 * log it, so PostgreSQL cannot send it. Such a column is absent from `NewImage` and listed in
 * `postgres.unchangedToastColumns`, unless the old row (FULL) has it, which then fills it in.
 */
import { POSTGRES_EVENT_SOURCE, PostgresChangeEventName, type PostgresChangeRecord } from "@fnmesh/protocol";
import type { Relation, Tuple } from "./pgoutput-decoder.ts";
import { formatLsn, sortableLsn } from "./lsn.ts";

/** The transaction a change belongs to, from its Begin message. */
export interface TransactionInfo {
  finalLsn: bigint;
  commitTimeUs: bigint;
  xid: number;
}

export type RowChange =
  | { tag: "insert"; relation: Relation; new: Tuple }
  | { tag: "update"; relation: Relation; new: Tuple; old?: Tuple; oldIsKey: boolean }
  | { tag: "delete"; relation: Relation; old: Tuple; oldIsKey: boolean }
  | { tag: "truncate"; relation: Relation; cascade: boolean; restartIdentity: boolean };

export interface RecordContext {
  eventSourceArn: string;
  txn: TransactionInfo;
  /** Position of the change in its transaction (0-based). */
  index: number;
  sizeBytes: number;
}

/** `arn:fnmesh:postgres:<region>:…` → region. */
export function regionOfArn(arn: string): string {
  return arn.split(":")[3] ?? "";
}

/** ISO 8601 UTC with microseconds from epoch microseconds. */
export function isoMicros(us: bigint): string {
  const ms = Number(us / 1000n);
  const micros = Number(((us % 1_000_000n) + 1_000_000n) % 1_000_000n);
  return `${new Date(ms).toISOString().slice(0, 19)}.${String(micros).padStart(6, "0")}Z`;
}

function keysOf(relation: Relation, values: Record<string, unknown>): Record<string, unknown> | undefined {
  const keys: Record<string, unknown> = {};
  let any = false;
  for (const c of relation.columns) {
    if (c.key && c.name in values) {
      keys[c.name] = values[c.name];
      any = true;
    }
  }
  return any ? keys : undefined;
}

export function toRecord(change: RowChange, ctx: RecordContext): PostgresChangeRecord {
  const { relation, } = change;
  const commitLsn = formatLsn(ctx.txn.finalLsn);
  const dynamodb: PostgresChangeRecord["dynamodb"] = {
    ApproximateCreationDateTime: Math.floor(Number(ctx.txn.commitTimeUs / 1000n) / 1000),
    SequenceNumber: `${sortableLsn(ctx.txn.finalLsn)}:${String(ctx.index).padStart(6, "0")}`,
    SizeBytes: ctx.sizeBytes,
    StreamViewType: relation.replicaIdentity === "full" ? "NEW_AND_OLD_IMAGES" : "NEW_IMAGE",
  };
  const postgres: PostgresChangeRecord["postgres"] = {
    schema: relation.schema, table: relation.name, commitLsn, commitTime: isoMicros(ctx.txn.commitTimeUs),
    xid: ctx.txn.xid, replicaIdentity: relation.replicaIdentity,
  };
  let eventName: PostgresChangeEventName;
  switch (change.tag) {
    case "insert":
    case "update": {
      eventName = change.tag === "insert" ? PostgresChangeEventName.Insert : PostgresChangeEventName.Modify;
      const next = { ...change.new.values };
      const old = change.tag === "update" ? change.old : undefined;
      const missing = change.new.unchangedToast.filter((col) => {
        if (old && !old.unchangedToast.includes(col) && col in old.values) {
          next[col] = old.values[col];
          return false;
        }
        return true;
      });
      if (missing.length > 0) postgres.unchangedToastColumns = missing;
      dynamodb.NewImage = next;
      const keys = keysOf(relation, next);
      if (keys) dynamodb.Keys = keys;
      if (old) dynamodb.OldImage = { ...old.values };
      break;
    }
    case "delete": {
      eventName = PostgresChangeEventName.Remove;
      dynamodb.OldImage = { ...change.old.values };
      const keys = keysOf(relation, change.old.values);
      if (keys) dynamodb.Keys = keys;
      break;
    }
    case "truncate":
      eventName = PostgresChangeEventName.Truncate;
      postgres.truncate = { cascade: change.cascade, restartIdentity: change.restartIdentity };
      break;
  }
  return {
    eventID: `${commitLsn}:${ctx.index}`,
    eventName,
    eventVersion: "1.0",
    eventSource: POSTGRES_EVENT_SOURCE,
    awsRegion: regionOfArn(ctx.eventSourceArn),
    eventSourceARN: ctx.eventSourceArn,
    dynamodb,
    postgres,
  };
}
