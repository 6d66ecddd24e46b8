/**
 * The one error of this package: a schedule expression or time zone that CreateSchedule /
 * UpdateSchedule must refuse. Ingest answers it as a 400 with `awsErrorCode` and `message`.
 */

/** Why a value was refused. contract: never rename (callers branch on these). */
export const ScheduleErrorCode = {
  InvalidScheduleExpression: "invalid_schedule_expression",
  InvalidTimezone: "invalid_timezone",
} as const;
export type ScheduleErrorCode = (typeof ScheduleErrorCode)[keyof typeof ScheduleErrorCode];

/** Thrown by `parseScheduleExpression`; branch on `code` (or `name`), never on `instanceof`. */
export class ScheduleError extends Error {
  override readonly name = "ScheduleError";
  readonly code: ScheduleErrorCode;
  /** The AWS error code to answer with. */
  readonly awsErrorCode = "ValidationException";
  /** Which rule the value broke, for logs; `message` is the text AWS answers, nothing more. */
  readonly detail: string;

  constructor(code: ScheduleErrorCode, message: string, detail: string) {
    super(message);
    this.code = code;
    this.detail = detail;
  }
}

/**
 * EventBridge Scheduler's text for every malformed expression, trailing period included, as recorded
 * from AWS in localstack/localstack tests/aws/services/scheduler/test_scheduler.snapshot.json
 * (`tests_create_schedule_with_invalid_schedule_expression`, e.g. "Invalid Schedule Expression cron(71 8 1 * ? *).").
 */
export function invalidExpression(expression: string, detail: string): ScheduleError {
  return new ScheduleError(ScheduleErrorCode.InvalidScheduleExpression, `Invalid Schedule Expression ${expression}.`, detail);
}

/** AWS publishes no text for a bad `ScheduleExpressionTimezone`; this wording is fnmesh's, in the same style. */
export function invalidTimezone(timezone: string, detail: string): ScheduleError {
  return new ScheduleError(ScheduleErrorCode.InvalidTimezone, `Invalid Schedule Expression Timezone ${timezone}.`, detail);
}

/** True for a ScheduleError, including one from another realm. */
export function isScheduleError(err: unknown): err is ScheduleError {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "ScheduleError";
}
