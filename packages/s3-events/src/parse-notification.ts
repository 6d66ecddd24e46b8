import { S3Notification } from "@fnmesh/protocol";

export type ParsedNotification = { ok: true; notification: S3Notification } | { ok: false; reason: string };

const MAX_REASON_CHARS = 500;

/** Decodes and validates a notification document's bytes; says why not in one line otherwise. */
export function parseS3Notification(bytes: Uint8Array): ParsedNotification {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch (err) {
    return { ok: false, reason: `not a JSON document: ${(err as Error).message}`.slice(0, MAX_REASON_CHARS) };
  }
  const result = S3Notification.safeParse(json);
  if (!result.success) {
    const issues = result.error.issues.map((i) => `${i.path.join(".") || "(document)"}: ${i.message}`).join("; ");
    return { ok: false, reason: `not an S3 notification document: ${issues}`.slice(0, MAX_REASON_CHARS) };
  }
  return { ok: true, notification: result.data };
}
