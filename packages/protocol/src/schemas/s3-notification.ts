/**
 * S3-format bucket notification documents, as S3-compatible stores send them (the body of a
 * message on `fnmesh.s3.<origin>` in FNMESH_S3, and of a POST to ingest's S3 webhook).
 *
 * MinIO's NATS and webhook targets send one record per document, wrapped as
 * `{"EventName": "s3:ObjectCreated:Put", "Key": "<bucket>/<object>", "Records": [record]}`
 * (minio/minio internal/event/event.go `Log`; older releases wrote `EventType`). Amazon S3 and
 * Ceph RGW send `{"Records": [...]}`. Only `Records` is read; everything else is accepted and ignored.
 *
 * Each record follows Amazon S3's "Event message structure". Required here is what a trigger
 * needs to route and de-duplicate a record (event name, bucket, key); every other field is
 * optional because stores differ (MinIO omits `size` and `eTag` on deletes and a zero `size`,
 * Ceph adds `eventId`/`opaqueData`). Unknown fields pass through. Not versioned with `v`: the
 * shape belongs to the senders. contract: fields are added, never removed
 */
import { z } from "zod";

const Identity = z.looseObject({ principalId: z.string().optional() });

export const S3NotificationRecord = z.looseObject({
  eventVersion: z.string().optional(),
  /** `aws:s3`, `minio:s3`, `ceph:s3`, … */
  eventSource: z.string().optional(),
  awsRegion: z.string().optional(),
  /** ISO-8601; MinIO writes milliseconds and `Z`. */
  eventTime: z.string().optional(),
  /** With MinIO's `s3:` prefix (`s3:ObjectCreated:Put`) or without it (Amazon S3, Ceph). */
  eventName: z.string().min(1),
  userIdentity: Identity.optional(),
  requestParameters: z.record(z.string(), z.unknown()).optional(),
  responseElements: z.record(z.string(), z.unknown()).optional(),
  s3: z.looseObject({
    s3SchemaVersion: z.string().optional(),
    configurationId: z.string().optional(),
    bucket: z.looseObject({
      name: z.string().min(1),
      ownerIdentity: Identity.optional(),
      arn: z.string().optional(),
    }),
    object: z.looseObject({
      /** URL-encoded as the sender encodes it (MinIO: Go's url.QueryEscape, so `/` is `%2F`). */
      key: z.string().min(1),
      /** Bytes; Ceph RGW writes it as a string of digits. */
      size: z.union([z.number().int().nonnegative(), z.string().regex(/^\d+$/).transform(Number)]).optional(),
      eTag: z.string().optional(),
      versionId: z.string().optional(),
      /** Orders events on one key; MinIO: the object's modification time in hex nanoseconds. */
      sequencer: z.string().optional(),
    }),
  }),
});
export type S3NotificationRecord = z.infer<typeof S3NotificationRecord>;

export const S3Notification = z.looseObject({
  /** MinIO's wrapper: the record's event name and `<bucket>/<decoded key>`. */
  EventName: z.string().optional(),
  Key: z.string().optional(),
  Records: z.array(S3NotificationRecord).min(1),
});
export type S3Notification = z.infer<typeof S3Notification>;
