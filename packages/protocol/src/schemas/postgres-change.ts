/**
 * One Postgres row change as fnmesh stores it in FNMESH_CHANGES (`fnmesh.changes.<mapping UUID>`,
 * one JSON record per message) and hands it to functions: modelled on a DynamoDB Streams record
 * (docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_streams_Record.html) so that
 * Lambda-style code and FilterCriteria patterns (`eventName`, `dynamodb.NewImage.<column>`) carry over.
 *
 * Differences from DynamoDB: images are plain typed JSON (`{"id": 1}`), not attribute-value maps
 * (`{"id": {"N": "1"}}`); `eventName` adds TRUNCATE; `eventSource` is `fnmesh:postgres`; the
 * `postgres` section carries what only PostgreSQL knows (LSNs, commit time, replica identity).
 * Column values: see @fnmesh/pg-change-feed's README (int8/numeric as strings, timestamps ISO 8601,
 * bytea base64, json parsed, arrays as arrays, NULL as null).
 */
import { z } from "zod";

/** contract: DynamoDB's names plus TRUNCATE; never rename */
export const PostgresChangeEventName = { Insert: "INSERT", Modify: "MODIFY", Remove: "REMOVE", Truncate: "TRUNCATE" } as const;
export type PostgresChangeEventName = (typeof PostgresChangeEventName)[keyof typeof PostgresChangeEventName];

/** contract: never rename */
export const POSTGRES_EVENT_SOURCE = "fnmesh:postgres";

/** A row (or its key) as typed JSON, by column name. */
const Image = z.record(z.string(), z.unknown());

export const PostgresChangeRecord = z.object({
  /** Unique per change: `<commit LSN>:<position in its transaction>`. */
  eventID: z.string().min(1),
  eventName: z.enum([PostgresChangeEventName.Insert, PostgresChangeEventName.Modify, PostgresChangeEventName.Remove, PostgresChangeEventName.Truncate]),
  eventVersion: z.literal("1.0"),
  eventSource: z.literal(POSTGRES_EVENT_SOURCE),
  /** The region of the mapping's source ARN. */
  awsRegion: z.string(),
  /** `arn:fnmesh:postgres:<region>:<account>:table/<source>/<schema>.<table>` */
  eventSourceARN: z.string(),
  dynamodb: z.object({
    /** Commit time, epoch seconds (DynamoDB's unit). */
    ApproximateCreationDateTime: z.number(),
    /**
     * The replica identity's columns (primary key, or the REPLICA IDENTITY USING INDEX columns; every
     * column under FULL). Absent for TRUNCATE and for tables with REPLICA IDENTITY NOTHING.
     */
    Keys: Image.optional(),
    /** The row after INSERT/MODIFY. Unchanged TOASTed columns PostgreSQL did not send are absent (see `postgres.unchangedToastColumns`). */
    NewImage: Image.optional(),
    /**
     * The row before MODIFY/REMOVE, as REPLICA IDENTITY gives it: every column under FULL; under
     * DEFAULT/INDEX only the key columns, and only when a key column changed (MODIFY) or always (REMOVE).
     */
    OldImage: Image.optional(),
    /** Orders changes of one slot: commit LSN as 16 hex digits, `:`, position in the transaction (6 digits). */
    SequenceNumber: z.string(),
    /** Bytes of the change as pgoutput sent it. */
    SizeBytes: z.number().int().min(0),
    /** NEW_AND_OLD_IMAGES under REPLICA IDENTITY FULL, else NEW_IMAGE (old rows carry keys only). */
    StreamViewType: z.enum(["NEW_IMAGE", "NEW_AND_OLD_IMAGES"]),
  }),
  postgres: z.object({
    schema: z.string(),
    table: z.string(),
    /** LSN of the commit record, `X/Y` hex as PostgreSQL prints it. */
    commitLsn: z.string(),
    /** Commit time, ISO 8601 UTC with microseconds. */
    commitTime: z.string(),
    xid: z.number().int(),
    replicaIdentity: z.enum(["default", "nothing", "full", "index"]),
    /** Columns whose TOASTed value did not change and was not sent; present only when non-empty. */
    unchangedToastColumns: z.array(z.string()).optional(),
    /** TRUNCATE only: its CASCADE and RESTART IDENTITY options. */
    truncate: z.object({ cascade: z.boolean(), restartIdentity: z.boolean() }).optional(),
  }),
});
export type PostgresChangeRecord = z.infer<typeof PostgresChangeRecord>;
