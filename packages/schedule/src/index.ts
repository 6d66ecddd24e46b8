/**
 * @fnmesh/schedule: EventBridge Scheduler's `ScheduleExpression` (`cron(…)`, `rate(…)`, `at(…)`) and
 * `ScheduleExpressionTimezone`, parsed as CreateSchedule validates them and evaluated to fire times
 * with the daylight-saving rules of the EventBridge Scheduler User Guide. A library: no I/O, no
 * configuration. The scheduler service asks it when each schedule is next due; ingest uses
 * `parseScheduleExpression` to answer CreateSchedule/UpdateSchedule with AWS's ValidationException.
 *
 * ```ts
 * import { parseScheduleExpression, nextFireTimes, isScheduleError } from "@fnmesh/schedule";
 *
 * try {
 *   const schedule = parseScheduleExpression("cron(30 2 * * ? *)", "America/New_York");
 *   nextFireTimes(schedule, new Date("2027-03-13T12:00:00Z"), 2);
 *   // → 2027-03-15T06:30:00Z, 2027-03-16T06:30:00Z: 02:30 does not exist on 14 March (spring forward)
 *   const every10s = parseScheduleExpression("rate(10 seconds)");          // fnmesh extension
 *   nextFireTimes(every10s, new Date(), 3, { createdAt: new Date() });     // rate() needs its anchor
 * } catch (err) {
 *   if (isScheduleError(err)) answer(400, err.awsErrorCode, err.message); // "Invalid Schedule Expression …."
 * }
 * ```
 */
export { isScheduleError, ScheduleError, ScheduleErrorCode } from "./errors.ts";
export { DEFAULT_TIMEZONE, parseScheduleExpression } from "./parse.ts";
export { nextFireTime, nextFireTimes } from "./next.ts";
export {
  RateUnit,
  type AtSchedule,
  type CronFields,
  type CronSchedule,
  type DayOfMonth,
  type DayOfWeek,
  type LocalDateTime,
  type RateSchedule,
  type Schedule,
  type ScheduleWindow,
} from "./types.ts";
