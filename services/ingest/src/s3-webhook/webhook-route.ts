/**
 * The S3 notification webhook (an fnmesh endpoint beside Lambda's API, outside its paths):
 *
 *   POST /fnmesh/s3-notifications
 *   Authorization: Bearer <FNMESH_S3_WEBHOOK_TOKEN>
 *   Content-Type: application/json
 *   <an S3-format notification document: MinIO's {"EventName", "Key", "Records":[…]} or {"Records":[…]}>
 *
 *   200 {"records": 1, "duplicate": false}   stored in FNMESH_S3 (PubAck received)
 *   400 {"error": "InvalidNotification", "message": "…"}   not JSON, or not an S3 notification document
 *   401 {"error": "MissingToken"} (with WWW-Authenticate: Bearer) · 403 {"error": "InvalidToken"}
 *   413 {"error": "PayloadTooLarge"} · 503 {"error": "Unavailable"} when NATS did not store it
 *
 * It is what MinIO's webhook target sends (internal/event/target/webhook.go: one record per POST,
 * `Authorization: Bearer <auth_token>`; any non-2xx answer keeps the event in its queue dir to be
 * sent again), so it answers 200 only after JetStream has the document. The token is checked from
 * the headers before any body byte is read. The document is published unchanged on
 * `fnmesh.s3.webhook` with Nats-Msg-Id from its records' bucket, key, sequencer and event name, so
 * a re-sent document within FNMESH_S3's duplicate window (10 minutes) is stored once. Without
 * FNMESH_S3_WEBHOOK_TOKEN the route does not exist (404 like any unknown path).
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Context, Hono } from "hono";
import type { JetStreamClient } from "@nats-io/jetstream";
import { ErrorCode, isFnmeshError, streams, subjects } from "@fnmesh/protocol";
import { notificationMessageId, parseS3Notification } from "@fnmesh/s3-events";
import type { Logger } from "@fnmesh/telemetry";
import type { IngestEnv } from "../context.ts";
import { nodeOrRequestBody, readBody } from "../http-body.ts";
import type { InFlight } from "../in-flight.ts";

export const S3_WEBHOOK_PATH = "/fnmesh/s3-notifications";
/** A document may not exceed what FNMESH_S3 stores (MinIO's documents are a few KB). */
export const MAX_S3_NOTIFICATION_BYTES = streams.s3Events.maxMsgBytes;

export interface S3WebhookDeps {
  js: JetStreamClient;
  /** FNMESH_S3_WEBHOOK_TOKEN. */
  token: string;
  log: Logger;
  inFlight: InFlight;
}

const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();

/** The bearer token of an Authorization header (scheme case-insensitive, as RFC 6750 allows), or undefined. */
function bearerToken(header: string | undefined): string | undefined {
  const m = /^Bearer +(\S+) *$/i.exec(header ?? "");
  return m?.[1];
}

function answer(c: Context<IngestEnv>, status: 200 | 400 | 401 | 403 | 413 | 503, body: Record<string, unknown>, headers: Record<string, string> = {}): Response {
  return c.json(body, status, headers);
}

export function registerS3WebhookRoute(app: Hono<IngestEnv>, deps: S3WebhookDeps): void {
  const expected = digest(deps.token);
  app.post(S3_WEBHOOK_PATH, async (c) => {
    const started = performance.now();
    deps.inFlight.enter();
    let res: Response | undefined;
    const fields: Record<string, unknown> = {};
    try {
      res = await handle(c);
      return res;
    } finally {
      deps.log.info("s3 webhook request", { status: res?.status, ...fields, durationMs: Math.round((performance.now() - started) * 100) / 100 });
      deps.inFlight.leave();
    }

    async function handle(c: Context<IngestEnv>): Promise<Response> {
      const header = c.req.header("authorization");
      const given = bearerToken(header);
      if (given === undefined) {
        return answer(c, 401, { error: "MissingToken", message: "Authorization: Bearer <token> is required" }, { "WWW-Authenticate": 'Bearer realm="fnmesh-s3-notifications"' });
      }
      // Compared as digests: equal length, constant time.
      if (!timingSafeEqual(digest(given), expected)) return answer(c, 403, { error: "InvalidToken", message: "The bearer token is not FNMESH_S3_WEBHOOK_TOKEN" });
      let body: Uint8Array;
      try {
        ({ body } = await readBody(nodeOrRequestBody(c.env?.incoming, c.req.raw), MAX_S3_NOTIFICATION_BYTES, "S3Notification"));
      } catch (err) {
        if (isFnmeshError(err) && err.code === ErrorCode.PayloadTooLarge) return answer(c, 413, { error: "PayloadTooLarge", message: err.message });
        throw err;
      }
      const parsed = parseS3Notification(body);
      if (!parsed.ok) {
        fields.reason = parsed.reason;
        return answer(c, 400, { error: "InvalidNotification", message: parsed.reason });
      }
      const records = parsed.notification.Records;
      fields.records = records.length;
      fields.bucket = records[0]?.s3.bucket.name;
      try {
        const ack = await deps.js.publish(subjects.s3Events("webhook"), body, { msgID: notificationMessageId(records) });
        fields.duplicate = ack.duplicate;
        return answer(c, 200, { records: records.length, duplicate: ack.duplicate });
      } catch (err) {
        deps.log.warn("s3 webhook: NATS did not store the notification", { err });
        return answer(c, 503, { error: "Unavailable", message: "The notification could not be stored; send it again" });
      }
    }
  });
}
