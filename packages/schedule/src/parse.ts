/** `parseScheduleExpression`: one entry point for the three expression types. */
import { parseAt } from "./at.ts";
import { parseCron } from "./cron-parse.ts";
import { invalidExpression } from "./errors.ts";
import { parseRate } from "./rate.ts";
import { validateTimezone } from "./timezone.ts";
import type { Schedule } from "./types.ts";

/** CreateSchedule's default for `ScheduleExpressionTimezone`. */
export const DEFAULT_TIMEZONE = "UTC";

/**
 * Parses a `ScheduleExpression` (`cron(...)`, `rate(...)` or `at(...)`) with its optional
 * `ScheduleExpressionTimezone`. Throws `ScheduleError` (AWS's `ValidationException` text) for an
 * invalid expression or time zone. Nothing is trimmed: AWS refuses `" rate(10 minutes)"`.
 */
export function parseScheduleExpression(expression: string, timezone: string = DEFAULT_TIMEZONE): Schedule {
  const m = /^(cron|rate|at)\((.*)\)$/s.exec(expression);
  if (!m || expression.length > 256) throw invalidExpression(expression, "expects cron(...), rate(...) or at(...), at most 256 characters");
  const [, kind, body = ""] = m;
  // The expression is checked first, so a request wrong in both is told about the expression.
  const schedule: Schedule =
    kind === "cron"
      ? { kind: "cron", expression, timezone, fields: parseCron(expression, body) }
      : kind === "rate"
        ? { kind: "rate", expression, timezone, ...parseRate(expression, body) }
        : { kind: "at", expression, timezone, at: parseAt(expression, body) };
  validateTimezone(timezone);
  return schedule;
}
