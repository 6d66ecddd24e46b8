/**
 * The parsed forms of EventBridge Scheduler's three expression types. Every schedule keeps the
 * expression and time zone it was parsed from, so callers can store and echo them back unchanged.
 */

/** A wall-clock time in a schedule's time zone; `month` is 1-12. */
export interface LocalDateTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** Units a rate can count in, singular. `second` is an fnmesh extension (AWS answers ValidationException). */
export const RateUnit = {
  Second: "second",
  Minute: "minute",
  Hour: "hour",
  Day: "day",
} as const;
export type RateUnit = (typeof RateUnit)[keyof typeof RateUnit];

/** The day-of-month field: `?`, a set of days, `L`, `LW`, or `nW`. */
export type DayOfMonth =
  | { kind: "any" }
  | { kind: "days"; days: readonly number[] }
  | { kind: "last" }
  | { kind: "lastWeekday" }
  | { kind: "nearestWeekday"; day: number };

/** The day-of-week field, numbered as AWS does (1 = SUN … 7 = SAT): `?`, a set, `nL`, or `d#n`. */
export type DayOfWeek =
  | { kind: "any" }
  | { kind: "days"; days: readonly number[] }
  | { kind: "last"; day: number }
  | { kind: "nth"; day: number; nth: number };

/** The six fields of `cron(minutes hours day-of-month month day-of-week year)`, expanded and sorted. */
export interface CronFields {
  minutes: readonly number[];
  hours: readonly number[];
  dayOfMonth: DayOfMonth;
  months: readonly number[];
  dayOfWeek: DayOfWeek;
  years: readonly number[];
}

interface ScheduleBase {
  /** The expression exactly as given, e.g. `cron(0 8 1 * ? *)`. */
  expression: string;
  /** The IANA time zone it is evaluated in (`UTC` when none was given). */
  timezone: string;
}

export interface CronSchedule extends ScheduleBase {
  kind: "cron";
  fields: CronFields;
}

export interface RateSchedule extends ScheduleBase {
  kind: "rate";
  value: number;
  unit: RateUnit;
  /** value × unit; a day is always 24 hours (see the README's DST policy). */
  intervalMs: number;
}

export interface AtSchedule extends ScheduleBase {
  kind: "at";
  /** The wall-clock time named by `at(yyyy-mm-ddThh:mm:ss)`, read in `timezone`. */
  at: LocalDateTime;
}

export type Schedule = CronSchedule | RateSchedule | AtSchedule;

/**
 * CreateSchedule's `StartDate`/`EndDate` (both inclusive, ignored for `at()`), and the schedule's
 * creation time, which anchors a `rate()` schedule that has no `StartDate`.
 */
export interface ScheduleWindow {
  createdAt?: Date;
  startDate?: Date;
  endDate?: Date;
}
