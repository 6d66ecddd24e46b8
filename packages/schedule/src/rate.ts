/**
 * `rate(value unit)`. CreateSchedule's reference: "a value as a positive integer, and a unit with the
 * following options: minute | minutes | hour | hours | day | days". Unlike EventBridge *rules*, whose
 * guide says "If the value is equal to 1, then the unit must be singular", Scheduler does not tie the
 * unit's number to the value: it stored `rate(2 minute)` as given (recorded from AWS in localstack's
 * tests/aws/services/scheduler/test_scheduler.snapshot.json, `test_update_schedule`), so fnmesh
 * accepts either form for any value too. No spaces may pad the value or the unit ("rate( 10 minutes )"
 * is refused, same snapshot).
 *
 * fnmesh extension: `second` / `seconds` (AWS refuses `rate(10 seconds)`, same snapshot).
 *
 * The first fire is the schedule's StartDate, or its creation time without one: "you use the
 * StartDate property to set the first occurrence of the schedule. If you do not provide a StartDate
 * for a rate-based schedule, your schedule starts invoking the target immediately" (User Guide,
 * "Rate-based schedules"). Then every interval, with a day always 24 hours: "`days` represents a
 * 24-hour duration on the clock ... EventBridge Scheduler still evaluates the rate expression 24
 * hours after the schedule's last invocation" (User Guide, "Daylight savings time").
 */
import { invalidExpression } from "./errors.ts";
import { RateUnit } from "./types.ts";

const UNIT_MS: Record<RateUnit, number> = {
  [RateUnit.Second]: 1_000,
  [RateUnit.Minute]: 60_000,
  [RateUnit.Hour]: 3_600_000,
  [RateUnit.Day]: 86_400_000,
};

export interface ParsedRate {
  value: number;
  unit: RateUnit;
  intervalMs: number;
}

export function parseRate(expression: string, body: string): ParsedRate {
  const m = /^(\d{1,9}) (second|minute|hour|day)s?$/.exec(body);
  if (!m) throw invalidExpression(expression, "expects rate(value unit) with unit second(s), minute(s), hour(s) or day(s)");
  const value = Number(m[1]);
  if (value < 1) throw invalidExpression(expression, "the value must be a positive integer");
  const unit = m[2] as RateUnit;
  return { value, unit, intervalMs: value * UNIT_MS[unit] };
}

/** anchor + k × interval (k ≥ 0): the first such instant strictly after `afterMs`. */
export function nextRateTime(anchorMs: number, intervalMs: number, afterMs: number): number {
  if (afterMs < anchorMs) return anchorMs;
  return anchorMs + (Math.floor((afterMs - anchorMs) / intervalMs) + 1) * intervalMs;
}
