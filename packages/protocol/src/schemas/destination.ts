/**
 * Where asynchronous outcomes go, and the record they get: Lambda's destination record, field for
 * field (docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
 */
import { z } from "zod";
import { FUNCTION_NAME_PATTERN } from "./function.ts";

/** contract: Lambda's values */
export const DestinationCondition = { Success: "Success", RetriesExhausted: "RetriesExhausted", EventAgeExceeded: "EventAgeExceeded" } as const;
export type DestinationCondition = (typeof DestinationCondition)[keyof typeof DestinationCondition];

export const DestinationRecord = z.object({
  version: z.literal("1.0"),
  /** ISO 8601, when the record was made. */
  timestamp: z.string(),
  requestContext: z.object({
    requestId: z.string(),
    /** Qualified: `…:function:<name>:$LATEST`. */
    functionArn: z.string(),
    condition: z.enum([DestinationCondition.Success, DestinationCondition.RetriesExhausted, DestinationCondition.EventAgeExceeded]),
    approximateInvokeCount: z.number().int().min(0),
  }),
  requestPayload: z.unknown(),
  /** Absent when the function never answered (EventAgeExceeded before a run). */
  responseContext: z.object({
    statusCode: z.number().int(),
    executedVersion: z.string(),
    functionError: z.string().optional(),
  }).optional(),
  responsePayload: z.unknown().optional(),
});
export type DestinationRecord = z.infer<typeof DestinationRecord>;

/** A parsed destination ARN. */
export type DestinationTarget =
  | { kind: "function"; name: string; qualifier?: string }
  /** Core NATS publish: at most once, nobody needs to listen. */
  | { kind: "nats"; subject: string }
  /** JetStream publish: delivered only when a stream stores it (the PubAck), else retried and dead-lettered. */
  | { kind: "jetstream"; subject: string };

/** Subjects a destination may not publish on: fnmesh's own and the server's. */
const RESERVED_SUBJECT = /^(fnmesh\.|\$|_INBOX\.)/;
const SUBJECT = /^[^\s.*>]+(\.[^\s.*>]+)*$/;

/**
 * Parses a destination ARN for this region and account; returns why not otherwise (the text is
 * what InvalidParameterValueException says).
 */
export function parseDestinationArn(arn: string, account: { region: string; accountId: string }): DestinationTarget | { error: string } {
  const fn = /^arn:aws:lambda:([a-z0-9-]+):(\d{12}):function:([^:]+)(?::([^:]+))?$/.exec(arn);
  if (fn) {
    const [, region, accountId, name, qualifier] = fn as unknown as [string, string, string, string, string | undefined];
    if (region !== account.region || accountId !== account.accountId) {
      return { error: `The destination ARN ${arn} is not in this region and account (${account.region}, ${account.accountId}).` };
    }
    if (!FUNCTION_NAME_PATTERN.test(name)) return { error: `The destination ARN ${arn} does not name a valid function.` };
    if (qualifier !== undefined && qualifier !== "$LATEST") return { error: `The destination ARN ${arn} names qualifier ${qualifier}; only $LATEST exists.` };
    return { kind: "function", name, ...(qualifier ? { qualifier } : {}) };
  }
  const sub = /^arn:fnmesh:(nats|jetstream):([a-z0-9-]+):(\d{12}):subject\/(.+)$/.exec(arn);
  if (sub) {
    const [, kind, region, accountId, subject] = sub as unknown as [string, "nats" | "jetstream", string, string, string];
    if (region !== account.region || accountId !== account.accountId) {
      return { error: `The destination ARN ${arn} is not in this region and account (${account.region}, ${account.accountId}).` };
    }
    if (!SUBJECT.test(subject) || subject.length > 255) return { error: `The destination ARN ${arn} does not name a valid NATS subject (no wildcards, no empty tokens).` };
    if (RESERVED_SUBJECT.test(subject)) return { error: `The destination ARN ${arn} names a reserved subject (fnmesh.*, $*, _INBOX.*).` };
    return { kind, subject };
  }
  return { error: `The destination ARN ${arn} is invalid: use a function ARN, arn:fnmesh:nats:<region>:<account>:subject/<subject> or arn:fnmesh:jetstream:<region>:<account>:subject/<subject>.` };
}
