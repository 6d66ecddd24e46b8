/**
 * CreateSchedule / UpdateSchedule bodies to what the store keeps, with EventBridge Scheduler's
 * constraints (API reference: CreateSchedule, Target, FlexibleTimeWindow, RetryPolicy). The
 * expression and time zone are checked by @fnmesh/schedule, which answers AWS's own texts.
 */
import { isScheduleError, parseScheduleExpression, DEFAULT_TIMEZONE } from "@fnmesh/schedule";
import type { NewSchedule, ScheduleTargetRecord } from "@fnmesh/store";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { constraint, groupNotFound, validation } from "./errors.ts";
import { DEFAULT_GROUP, targetFunction } from "./schedule-arn.ts";

const NAME = /^[0-9a-zA-Z-_.]+$/;
const ROLE_ARN = /^arn:aws(-[a-z]+)?:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const NAME_RULE = "Member must satisfy regular expression pattern: [0-9a-zA-Z-_.]+";
const NOT_NULL = "Member must not be null";

type Json = Record<string, unknown>;

export function checkName(value: string, member = "name"): string {
  if (value.length < 1 || value.length > 64) throw constraint(value, member, "Member must have length less than or equal to 64");
  if (!NAME.test(value)) throw constraint(value, member, NAME_RULE);
  return value;
}

/** GroupName absent or `default`: the only group fnmesh has. */
export function checkGroup(value: unknown): string {
  if (value === undefined || value === null) return DEFAULT_GROUP;
  if (typeof value !== "string") throw constraint(value, "groupName", NAME_RULE);
  checkName(value, "groupName");
  if (value !== DEFAULT_GROUP) throw groupNotFound(value);
  return value;
}

export function parseJsonBody(body: Uint8Array): Json {
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? {} : JSON.parse(new TextDecoder().decode(body));
  } catch {
    throw validation("Could not parse request body into json.");
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw validation("Could not parse request body into json.");
  return parsed as Json;
}

function str(body: Json, key: string, member: string, max: number, required: true): string;
function str(body: Json, key: string, member: string, max: number, required?: false): string | undefined;
function str(body: Json, key: string, member: string, max: number, required = false): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) {
    if (required) throw constraint(undefined, member, NOT_NULL);
    return undefined;
  }
  if (typeof v !== "string") throw constraint(v, member, "Member must be a string");
  if (v.length > max) throw constraint(v, member, `Member must have length less than or equal to ${max}`);
  if (required && v.length < 1) throw constraint(v, member, "Member must have length greater than or equal to 1");
  return v;
}

function oneOf<T extends string>(body: Json, key: string, member: string, allowed: readonly T[], fallback: T): T {
  const v = body[key];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== "string" || !(allowed as readonly string[]).includes(v)) {
    throw constraint(v, member, `Member must satisfy enum value set: [${allowed.join(", ")}]`);
  }
  return v as T;
}

/** Timestamps arrive as epoch seconds (the SDK's REST-JSON default), possibly fractional. */
function date(body: Json, key: string, member: string): Date | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v)) throw constraint(v, member, "Member must be a timestamp");
  return new Date(Math.round(v * 1000));
}

function intIn(obj: Json, key: string, member: string, min: number, max: number): number {
  const v = obj[key];
  if (v === undefined || v === null) throw constraint(undefined, member, NOT_NULL);
  if (typeof v !== "number" || !Number.isInteger(v)) throw constraint(v, member, "Member must be an integer");
  if (v < min) throw constraint(v, member, `Member must have value greater than or equal to ${min}`);
  if (v > max) throw constraint(v, member, `Member must have value less than or equal to ${max}`);
  return v;
}

function object(body: Json, key: string, member: string): Json | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "object" || Array.isArray(v)) throw constraint(v, member, "Member must be a structure");
  return v as Json;
}

function target(body: Json, account: AccountInfo): ScheduleTargetRecord {
  const t = object(body, "Target", "target");
  if (!t) throw constraint(undefined, "target", NOT_NULL);
  const arn = str(t, "Arn", "target.arn", 1600, true);
  const roleArn = str(t, "RoleArn", "target.roleArn", 1600, true);
  if (!ROLE_ARN.test(roleArn)) throw constraint(roleArn, "target.roleArn", "Member must satisfy regular expression pattern: arn:aws(-[a-z]+)?:iam::\\d{12}:role\\/[\\w+=,.@\\/-]+");
  // fnmesh's own text: AWS accepts any ARN here and fails at invocation; fnmesh can only invoke its functions.
  if (targetFunction(arn, account) === undefined) {
    throw validation(`Invalid target ${arn}: fnmesh schedules invoke a function of this region and account, arn:aws:lambda:${account.region}:${account.accountId}:function:<name>, optionally qualified with $LATEST.`);
  }
  const input = str(t, "Input", "target.input", 8192);
  if (input !== undefined && input.length < 1) throw constraint(input, "target.input", "Member must have length greater than or equal to 1");
  const retry = object(t, "RetryPolicy", "target.retryPolicy");
  return {
    arn, roleArn, ...(input !== undefined ? { input } : {}),
    ...(retry ? { retryPolicy: {
      maximumEventAgeInSeconds: intIn(retry, "MaximumEventAgeInSeconds", "target.retryPolicy.maximumEventAgeInSeconds", 60, 86400),
      maximumRetryAttempts: intIn(retry, "MaximumRetryAttempts", "target.retryPolicy.maximumRetryAttempts", 0, 185),
    } } : {}),
  };
}

/**
 * A CreateSchedule (or, without names and token, UpdateSchedule) body as the store keeps it.
 * `now` checks StartDate: AWS refuses a recurring schedule's StartDate more than 5 minutes in the
 * past ("The StartDate you specify cannot be earlier than 5 minutes ago.", moto/scheduler/models.py).
 */
export function parseScheduleBody(name: string, body: Json, account: AccountInfo, now: Date): NewSchedule {
  checkName(name);
  const groupName = checkGroup(body.GroupName);
  const expression = str(body, "ScheduleExpression", "scheduleExpression", 256, true);
  const timezone = str(body, "ScheduleExpressionTimezone", "scheduleExpressionTimezone", 50) ?? DEFAULT_TIMEZONE;
  let kind: string;
  try {
    kind = parseScheduleExpression(expression, timezone).kind;
  } catch (err) {
    if (isScheduleError(err)) throw validation(err.message);
    throw err;
  }
  const ftw = object(body, "FlexibleTimeWindow", "flexibleTimeWindow");
  if (!ftw) throw constraint(undefined, "flexibleTimeWindow", NOT_NULL);
  const mode = oneOf(ftw, "Mode", "flexibleTimeWindow.mode", ["OFF", "FLEXIBLE"] as const, "OFF");
  if (ftw.Mode === undefined || ftw.Mode === null) throw constraint(undefined, "flexibleTimeWindow.mode", NOT_NULL);
  const startDate = date(body, "StartDate", "startDate");
  const endDate = date(body, "EndDate", "endDate");
  if (kind !== "at" && startDate && startDate.getTime() < now.getTime() - 5 * 60_000) {
    throw validation("The StartDate you specify cannot be earlier than 5 minutes ago.");
  }
  if (startDate && endDate && endDate.getTime() <= startDate.getTime()) {
    // fnmesh's text: AWS documents the rule but publishes no message for it.
    throw validation("The EndDate you specify must be later than the StartDate.");
  }
  const description = str(body, "Description", "description", 512);
  const clientToken = str(body, "ClientToken", "clientToken", 64);
  return {
    groupName, name, expression, timezone,
    state: oneOf(body, "State", "state", ["ENABLED", "DISABLED"] as const, "ENABLED"),
    ...(startDate ? { startDate } : {}),
    ...(endDate ? { endDate } : {}),
    ...(description !== undefined ? { description } : {}),
    ...(clientToken !== undefined ? { clientToken } : {}),
    target: target(body, account),
    // Stored and echoed; fnmesh fires every schedule at its time (as with OFF).
    flexibleTimeWindow: mode === "FLEXIBLE"
      ? { mode, maximumWindowInMinutes: intIn(ftw, "MaximumWindowInMinutes", "flexibleTimeWindow.maximumWindowInMinutes", 1, 1440) }
      : { mode },
    actionAfterCompletion: oneOf(body, "ActionAfterCompletion", "actionAfterCompletion", ["NONE", "DELETE"] as const, "NONE"),
  };
}
