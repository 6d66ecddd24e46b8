/**
 * Lambda's S3 event: what a function invoked by an S3 notification receives, field for field as
 * the Lambda Developer Guide ("Process Amazon S3 event notifications with Lambda") and the S3 User
 * Guide ("Event message structure") show it. Lambda invokes a function asynchronously per S3
 * notification with one record, so fnmesh sends `{ Records: [record] }` per record.
 */
import type { S3NotificationRecord } from "@fnmesh/protocol";
import { decodeS3Key, encodeS3Key } from "./object-key.ts";

export interface LambdaS3EventRecord {
  /** The sender's (MinIO: "2.0"; Amazon S3 today: "2.1" and up). */
  eventVersion: string;
  eventSource: "aws:s3";
  awsRegion: string;
  /** ISO-8601 with milliseconds, `1970-01-01T00:00:00.000Z`. */
  eventTime: string;
  /** Without MinIO's `s3:` prefix, as Amazon S3 writes it: `ObjectCreated:Put`. */
  eventName: string;
  userIdentity: { principalId: string };
  requestParameters: { sourceIPAddress: string };
  responseElements: { "x-amz-request-id": string; "x-amz-id-2": string };
  s3: {
    s3SchemaVersion: string;
    configurationId: string;
    bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
    object: {
      /** URL-encoded as Amazon S3 encodes it (see object-key.ts). */
      key: string;
      /** Object size in bytes; absent on delete events (as in S3). */
      size?: number;
      eTag?: string;
      /** Only for versioned buckets. */
      versionId?: string;
      sequencer?: string;
    };
  };
}

export interface LambdaS3Event { Records: LambdaS3EventRecord[] }

export interface ToLambdaOptions {
  /** The region when the sender names none (MinIO without MINIO_REGION writes ""). */
  defaultRegion: string;
}

const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined || v === null ? "" : String(v));

/** `s3:ObjectCreated:Put` → `ObjectCreated:Put`; names without the prefix stay. */
export function lambdaEventName(eventName: string): string {
  return eventName.startsWith("s3:") ? eventName.slice(3) : eventName;
}

/** Normalised to `toISOString()` (MinIO's older releases wrote seconds only); kept as is if unreadable. */
function isoTime(value: string | undefined): string {
  if (!value) return new Date(0).toISOString();
  const t = Date.parse(value);
  return Number.isNaN(t) ? value : new Date(t).toISOString();
}

/**
 * One notification record as Lambda's S3 event record. MinIO's extras (`source`, `contentType`,
 * `userMetadata`, `x-minio-*` response elements, `accessKey`/`region` request parameters) are left
 * out: Amazon S3 has none of them. Object creation without a size (MinIO omits a zero size) gets
 * `size: 0`, as S3 writes it.
 */
export function toLambdaS3Record(record: S3NotificationRecord, options: ToLambdaOptions): LambdaS3EventRecord {
  const { bucket, object } = record.s3;
  const eventName = lambdaEventName(record.eventName);
  const size = object.size ?? (eventName.startsWith("ObjectCreated:") ? 0 : undefined);
  const principal = str(record.userIdentity?.principalId);
  return {
    eventVersion: record.eventVersion || "2.0",
    eventSource: "aws:s3",
    awsRegion: record.awsRegion || options.defaultRegion,
    eventTime: isoTime(record.eventTime),
    eventName,
    userIdentity: { principalId: principal },
    requestParameters: { sourceIPAddress: str(record.requestParameters?.sourceIPAddress) },
    responseElements: {
      "x-amz-request-id": str(record.responseElements?.["x-amz-request-id"]),
      "x-amz-id-2": str(record.responseElements?.["x-amz-id-2"]),
    },
    s3: {
      s3SchemaVersion: record.s3.s3SchemaVersion || "1.0",
      configurationId: str(record.s3.configurationId),
      bucket: {
        name: bucket.name,
        ownerIdentity: { principalId: str(bucket.ownerIdentity?.principalId) || principal },
        arn: `arn:aws:s3:::${bucket.name}`,
      },
      object: {
        key: encodeS3Key(decodeS3Key(object.key)),
        ...(size !== undefined ? { size } : {}),
        ...(object.eTag ? { eTag: object.eTag } : {}),
        ...(object.versionId ? { versionId: object.versionId } : {}),
        ...(object.sequencer ? { sequencer: object.sequencer } : {}),
      },
    },
  };
}
