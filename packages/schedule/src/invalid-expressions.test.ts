/**
 * Expressions and time zones CreateSchedule refuses, with the text AWS answers. "AWS" rows were
 * recorded against EventBridge Scheduler in localstack/localstack
 * tests/aws/services/scheduler/test_scheduler.snapshot.json
 * (`tests_create_schedule_with_invalid_schedule_expression`): ValidationException,
 * "Invalid Schedule Expression <expression>.". "SG" rows break a rule of the User Guide's grammar.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ScheduleErrorCode, isScheduleError } from "./errors.ts";
import { parseScheduleExpression } from "./parse.ts";

const refused: Array<[expression: string, why: string]> = [
  ["cron(0 1 * * * *)", "AWS: * in both day fields"],
  ["cron(7 20 * * NOT *)", "AWS: NOT is no day name"],
  ["cron(INVALID)", "AWS"],
  ["cron(0 dummy ? * MON-FRI *)", "AWS: hours not a number"],
  ["cron(71 8 1 * ? *)", "AWS: minute 71"],
  ["cron()", "AWS"],
  ["rate(10 years)", "AWS: years is no unit"],
  ["rate()", "AWS"],
  ["rate(10)", "AWS: no unit"],
  ["rate(10 minutess)", "AWS"],
  ["rate(foo minutes)", "AWS"],
  ["rate(-10 minutes)", "AWS: not positive"],
  ["rate( 10 minutes )", "AWS: padded"],
  [" rate(10 minutes)", "AWS: leading space"],
  ["at(2021-12-31T23:59:59Z)", "AWS: no zone suffix"],
  ["at(2021-12-31)", "AWS: no time"],
  ["rate(0 minutes)", "SG: value is 'A positive number'"],
  ["rate(10 MINUTES)", "SG: units are lower case"],
  ["cron(0 9 ? * ? *)", "SG: ? in both day fields (exactly one is ?)"],
  ["cron(0 9 1 * MON *)", "SG: neither day field is ?"],
  ["cron(0 9 * * ?)", "SG: five fields, six required"],
  ["cron(0 0 9 * * ? *)", "SG: seven fields (no seconds field)"],
  ["cron(0 9 ? * 3#1,6#3 *)", "SG: '\"3#1,6#3\" is not valid because it is interpreted as two expressions'"],
  ["cron(0 9 ? * 0 *)", "SG: day-of-week is 1-7 (SUN-SAT), Unix 0 is not a value"],
  ["cron(0 9 ? * 8 *)", "SG: day-of-week 8"],
  ["cron(0 24 * * ? *)", "SG: hours 0-23"],
  ["cron(0 9 32 * ? *)", "SG: day-of-month 1-31"],
  ["cron(0 9 * 13 ? *)", "SG: month 1-12"],
  ["cron(0 9 * * ? 1969)", "SG: year 1970-2199"],
  ["cron(0 9 * * ? 2200)", "SG: year 1970-2199"],
  ["cron(0 9 ? * 2W *)", "SG: W only in day-of-month"],
  ["cron(0 9 1#2 * ? *)", "SG: # only in day-of-week"],
  ["cron(0 9 ? * 1/2 *)", "SG: day-of-week wildcards are , - * ? L # (no /)"],
  ["cron(0 L * * ? *)", "SG: L only in the day fields"],
  ["cron(0 9 ? * 2#6 *)", "no month has a sixth weekday"],
  ["cron(0 9 * JANUARY ? *)", "SG: month names are JAN-DEC"],
  ["at(2027-02-30T00:00:00)", "not a calendar date"],
  ["at(2027-01-01T24:00:00)", "hour 24"],
  ["every(5 minutes)", "API: cron, rate or at only"],
  ["", "API: length at least 1"],
];

describe("invalid schedule expressions", () => {
  for (const [expression, why] of refused) {
    test(`'${expression}' is refused with "Invalid Schedule Expression ${expression}." (${why})`, () => {
      assert.throws(
        () => parseScheduleExpression(expression),
        (err: unknown) =>
          isScheduleError(err) &&
          err.code === ScheduleErrorCode.InvalidScheduleExpression &&
          err.awsErrorCode === "ValidationException" &&
          err.message === `Invalid Schedule Expression ${expression}.`,
      );
    });
  }

  test("rate(10 seconds), which AWS refuses, is accepted as fnmesh's seconds extension", () => {
    const schedule = parseScheduleExpression("rate(10 seconds)");
    assert.equal(schedule.kind === "rate" && schedule.intervalMs, 10_000);
  });
});

describe("invalid time zones", () => {
  for (const timezone of ["Mars/Olympus_Mons", "+05:00", "", "America/New_York_City_Is_Not_A_Zone_Name_Of_The_IANA_DB"]) {
    test(`'${timezone}' is refused as invalid_timezone`, () => {
      assert.throws(
        () => parseScheduleExpression("cron(0 9 * * ? *)", timezone),
        (err: unknown) => isScheduleError(err) && err.code === ScheduleErrorCode.InvalidTimezone && err.message === `Invalid Schedule Expression Timezone ${timezone}.`,
      );
    });
  }

  test("an IANA name is accepted and kept as given; none means UTC", () => {
    assert.equal(parseScheduleExpression("cron(0 9 * * ? *)", "Australia/Lord_Howe").timezone, "Australia/Lord_Howe");
    assert.equal(parseScheduleExpression("cron(0 9 * * ? *)").timezone, "UTC");
  });
});
