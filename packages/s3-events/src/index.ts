/**
 * @fnmesh/s3-events — S3-compatible bucket notifications (MinIO's NATS and webhook targets, and
 * other stores posting S3-format documents) turned into Lambda's S3 events: parse and validate a
 * document, convert each record to Lambda's record, de-duplicate replays, bind buckets to
 * fnmesh's notification target. See README.md.
 *
 * ```ts
 * const parsed = parseS3Notification(msg.data);
 * if (parsed.ok) for (const record of parsed.notification.Records) {
 *   const event = { Records: [toLambdaS3Record(record, { defaultRegion: "us-east-1" })] };
 *   await invoker.enqueue({ requestId: s3RequestId(mapping.uuid, record), ... }, encode(event));
 * }
 * ```
 */
export { parseS3Notification } from "./parse-notification.ts";
export type { ParsedNotification } from "./parse-notification.ts";
export { toLambdaS3Record, lambdaEventName } from "./lambda-record.ts";
export type { LambdaS3Event, LambdaS3EventRecord, ToLambdaOptions } from "./lambda-record.ts";
export { decodeS3Key, encodeS3Key } from "./object-key.ts";
export { recordIdentity, notificationMessageId, s3RequestId, uuidV8 } from "./dedup.ts";
export { readS3SourceConfig, DEFAULT_TARGET_ARN } from "./config.ts";
export type { S3SourceConfig } from "./config.ts";
export { bindBucket, unbindBucket, mergeNotificationConfig, createS3Client, FNMESH_CONFIGURATION_ID, BOUND_EVENTS } from "./bucket-binding.ts";
export type { NotificationClient, BucketClient } from "./bucket-binding.ts";
