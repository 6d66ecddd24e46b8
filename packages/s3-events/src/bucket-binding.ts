/**
 * Binding a bucket to fnmesh's notification target through the S3 API (`minio` client). S3
 * replaces a bucket's notification configuration whole on PUT, so binding reads it, keeps every
 * entry that is not fnmesh's, adds fnmesh's queue entry, and writes it back; unbinding removes
 * fnmesh's entry the same way. Both are idempotent: nothing is written when nothing changes.
 * Two writers racing on one bucket can still lose an update (S3 has no conditional PUT for
 * notification configs): the trigger binds from one place at a time and re-binds on reconcile.
 */
import { Client, CloudFunctionConfig, NotificationConfig, QueueConfig, TopicConfig, type TargetConfig } from "minio";
import type { S3SourceConfig } from "./config.ts";

/** The configuration Id fnmesh's entry carries (S3 puts it in records' `configurationId`; MinIO writes "Config"). */
export const FNMESH_CONFIGURATION_ID = "fnmesh";
/** What fnmesh asks the store to send: every object creation and removal. */
export const BOUND_EVENTS = ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"] as const;

/** The two calls binding needs; a `minio` Client has them. */
export type NotificationClient = Pick<Client, "getBucketNotification" | "setBucketNotification">;
/** What keeping bindings in line with mappings needs (listing finds buckets left bound). */
export type BucketClient = NotificationClient & Pick<Client, "listBuckets">;

type Current = Awaited<ReturnType<Client["getBucketNotification"]>>;
type Entry = Current["QueueConfiguration"][number];

function copyInto(target: TargetConfig, entry: Partial<Entry>): TargetConfig {
  if (entry.Id) target.setId(entry.Id);
  for (const e of entry.Event ?? []) target.addEvent(e);
  for (const rule of entry.Filter ?? []) {
    if (rule.Name === "prefix" && rule.Value !== undefined) target.addFilterPrefix(rule.Value);
    else if (rule.Name === "suffix" && rule.Value !== undefined) target.addFilterSuffix(rule.Value);
  }
  return target;
}

/** The configuration to write: `current` without queue entries for `targetArn`, plus `add` ones. */
function rebuild(current: Current, targetArn: string, add: boolean): NotificationConfig {
  const config = new NotificationConfig();
  for (const t of current.TopicConfiguration) config.add(copyInto(new TopicConfig(t.Topic), t));
  for (const f of current.CloudFunctionConfiguration) config.add(copyInto(new CloudFunctionConfig(f.CloudFunction), f));
  for (const q of current.QueueConfiguration) if (q.Queue !== targetArn) config.add(copyInto(new QueueConfig(q.Queue), q));
  if (add) {
    const ours = new QueueConfig(targetArn);
    ours.setId(FNMESH_CONFIGURATION_ID);
    for (const e of BOUND_EVENTS) ours.addEvent(e);
    config.add(ours);
  }
  return config;
}

function bound(current: Current, targetArn: string): Entry | undefined {
  return current.QueueConfiguration.find((q) => q.Queue === targetArn);
}

/**
 * The configuration to write so that `current` (as `getBucketNotification` returns it) notifies
 * `targetArn` (`bind`) or no longer does, keeping every other entry; undefined when it already does.
 */
export function mergeNotificationConfig(current: Current, targetArn: string, bind: boolean): NotificationConfig | undefined {
  const existing = bound(current, targetArn);
  if (!bind) return existing ? rebuild(current, targetArn, false) : undefined;
  const events = new Set(existing?.Event ?? []);
  // A filtered entry (someone narrowed it by prefix or suffix) is rewritten: mappings filter themselves.
  if (existing && BOUND_EVENTS.every((e) => events.has(e)) && (existing.Filter ?? []).length === 0) return undefined;
  return rebuild(current, targetArn, true);
}

/** Makes the bucket notify `targetArn` of object creations and removals; false when it already did. */
export async function bindBucket(client: NotificationClient, bucket: string, targetArn: string): Promise<boolean> {
  const next = mergeNotificationConfig(await client.getBucketNotification(bucket), targetArn, true);
  if (next) await client.setBucketNotification(bucket, next);
  return next !== undefined;
}

/** Removes the bucket's notifications to `targetArn`, keeping every other entry; false when there were none. */
export async function unbindBucket(client: NotificationClient, bucket: string, targetArn: string): Promise<boolean> {
  const next = mergeNotificationConfig(await client.getBucketNotification(bucket), targetArn, false);
  if (next) await client.setBucketNotification(bucket, next);
  return next !== undefined;
}

/** A `minio` client for the configured server. */
export function createS3Client(config: S3SourceConfig): Client {
  return new Client({
    endPoint: config.endPoint, port: config.port, useSSL: config.useSSL, accessKey: config.accessKey, secretKey: config.secretKey,
    region: config.region, pathStyle: true,
  });
}
