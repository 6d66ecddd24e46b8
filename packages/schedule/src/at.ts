/**
 * `at(yyyy-mm-ddThh:mm:ss)`: one wall-clock time in the schedule's time zone, with no offset or `Z`
 * (AWS refuses `at(2021-12-31T23:59:59Z)` and `at(2021-12-31)`: localstack's AWS-recorded
 * tests/aws/services/scheduler/test_scheduler.snapshot.json). A time already past is accepted
 * (`at(2022-12-31T23:59:59)` was created in 2025, same file) and simply never fires. "EventBridge
 * Scheduler ignores the StartDate and EndDate you specify" for it (User Guide, "One-time schedules").
 *
 * AWS does not say how it reads an `at()` time that daylight saving skips or repeats. fnmesh reads it
 * as java.time's `ZonedDateTime.of` does: a skipped time moves later by the gap's length (02:30 on a
 * spring-forward day is 03:30 after the shift), a repeated one takes the earlier (pre-shift) offset.
 */
import { invalidExpression } from "./errors.ts";
import { instantsOf, offsetBefore, wallOf } from "./timezone.ts";
import type { LocalDateTime } from "./types.ts";

export function parseAt(expression: string, body: string): LocalDateTime {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})$/.exec(body);
  if (!m) throw invalidExpression(expression, "expects at(yyyy-mm-ddThh:mm:ss)");
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  // Years before 1970 are refused too: cron's year field starts there, and none can be due.
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    throw invalidExpression(expression, "not a calendar date and time");
  }
  return { year, month, day, hour, minute, second };
}

/** The instant (epoch ms) an `at()` schedule fires in `timezone`. */
export function atInstant(local: LocalDateTime, timezone: string): number {
  const wall = wallOf(local);
  const [first] = instantsOf(wall, timezone);
  return first ?? wall - offsetBefore(wall, timezone);
}
