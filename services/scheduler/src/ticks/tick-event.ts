/**
 * What a tick sends: a request id derived from the schedule and the tick, and the event itself.
 *
 * The id is a UUID (version 8, RFC 9562's custom format) from SHA-256 of the schedule ARN, its
 * creation time and the tick, so every replica that fires the same tick publishes the same JetStream
 * message id and the stream's duplicate window drops all but the first; a schedule deleted and
 * created again under its name is a new schedule with new ids.
 *
 * Without Target.Input the function gets EventBridge Scheduler's scheduled event. Its shape, as a
 * Lambda target received it from AWS (an event captured in a public handler's test fixture, account
 * 257676781382, us-east-2): `version` "0", `id`, `detail-type` "Scheduled Event", `source`
 * "aws.scheduler", `account`, `time` (the tick, to the second), `region`, `resources` [the schedule
 * ARN], and `detail` the *string* "{}".
 */
import { createHash } from "node:crypto";

export function tickRequestId(scheduleArn: string, createdAt: number, tick: number): string {
  const h = createHash("sha256").update(`${scheduleArn}\n${createdAt}\n${tick}`).digest();
  h[6] = ((h[6] ?? 0) & 0x0f) | 0x80; // version 8
  h[8] = ((h[8] ?? 0) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = h.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const SCHEDULE_ARN = /^arn:[a-z-]+:scheduler:([a-z0-9-]+):(\d{12}):schedule\//;

export function scheduledEvent(scheduleArn: string, requestId: string, tick: number): Record<string, unknown> {
  const [, region = "", account = ""] = SCHEDULE_ARN.exec(scheduleArn) ?? [];
  return {
    version: "0", id: requestId, "detail-type": "Scheduled Event", source: "aws.scheduler", account,
    time: new Date(tick).toISOString().replace(/\.\d{3}Z$/, "Z"), region, resources: [scheduleArn], detail: "{}",
  };
}

const FUNCTION_ARN = /^arn:[a-z-]+:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]{1,64})(?::\$LATEST)?$/;

/** The function a schedule's Target.Arn names (ingest accepted only function ARNs). */
export function targetFunctionName(targetArn: string): string | undefined {
  return FUNCTION_ARN.exec(targetArn)?.[1];
}
