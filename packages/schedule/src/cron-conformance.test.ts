/**
 * Cron conformance in UTC: every cron example of the EventBridge Scheduler User Guide ("SG") and the
 * EventBridge cron reference ("EB", eb-scheduled-rule-pattern, whose syntax Scheduler shares), the
 * wildcard examples from both, and L, W, LW, #, names, numbering and years. Expected times were
 * worked out by hand from those pages and a printed calendar, not from this package's output.
 * Calendar facts used: 1 Jan 2027 is a Friday; Jan 2022 starts on a Saturday.
 */
import { describe } from "node:test";
import { runFireTable, type FireRow } from "./testing/conformance.ts";

const JAN1 = "2027-01-01T00:00:00Z";

const docExamples: FireRow[] = [
  { expression: "cron(0 10 * * ? *)", after: JAN1, want: ["2027-01-01T10:00Z", "2027-01-02T10:00Z", "2027-01-03T10:00Z"], why: "EB: Run at 10:00 am (UTC+0) every day" },
  { expression: "cron(15 12 * * ? *)", after: JAN1, want: ["2027-01-01T12:15Z", "2027-01-02T12:15Z"], why: "EB: Run at 12:15 pm (UTC+0) every day" },
  { expression: "cron(0 18 ? * MON-FRI *)", after: JAN1, want: ["2027-01-01T18:00Z", "2027-01-04T18:00Z", "2027-01-05T18:00Z"], why: "EB: 6:00 pm Monday through Friday; Fri 1 Jan, then Mon 4 and Tue 5" },
  { expression: "cron(0 8 1 * ? *)", after: JAN1, want: ["2027-01-01T08:00Z", "2027-02-01T08:00Z", "2027-03-01T08:00Z"], why: "EB: Run at 8:00 am (UTC+0) every 1st day of the month" },
  { expression: "cron(0/15 * * * ? *)", after: JAN1, want: ["2027-01-01T00:15Z", "2027-01-01T00:30Z", "2027-01-01T00:45Z", "2027-01-01T01:00Z"], why: "EB: Run every 15 minutes; 00:00 itself is not after `after`" },
  { expression: "cron(0/10 * ? * MON-FRI *)", after: "2027-01-01T23:45:00Z", want: ["2027-01-01T23:50Z", "2027-01-04T00:00Z", "2027-01-04T00:10Z"], why: "EB: every 10 minutes Monday through Friday; Friday ends, the weekend is skipped" },
  { expression: "cron(0/5 8-17 ? * MON-FRI *)", after: "2027-01-01T17:50:00Z", want: ["2027-01-01T17:55Z", "2027-01-04T08:00Z", "2027-01-04T08:05Z"], why: "EB: every 5 minutes Monday through Friday between 8:00 am and 5:55 pm" },
  {
    expression: "cron(0/30 20-2 ? * MON-FRI *)",
    after: "2027-01-01T22:45:00Z",
    want: ["2027-01-01T23:00Z", "2027-01-01T23:30Z", "2027-01-04T00:00Z", "2027-01-04T00:30Z"],
    why: "EB: the range 20-2 wraps past midnight (hours 20-23 and 0-2); the day must itself be MON-FRI, so Saturday's small hours do not fire and Monday's do ('Run from 12:00 am to 2:00 am on Monday morning')",
  },
  { expression: "cron(0 9 ? * 2#1 *)", after: JAN1, want: ["2027-01-04T09:00Z", "2027-02-01T09:00Z", "2027-03-01T09:00Z"], why: "EB: 9 a.m. on the first Monday of each month (2 = MON)" },
  { expression: "cron(0 12 * * ? *)", after: JAN1, want: ["2027-01-01T12:00Z", "2027-01-02T12:00Z"], why: "EB: runs every day at 12:00pm UTC+0" },
  { expression: "cron(5,35 14 * * ? *)", after: JAN1, want: ["2027-01-01T14:05Z", "2027-01-01T14:35Z", "2027-01-02T14:05Z"], why: "EB: every day, at 2:05pm and 2:35pm UTC+0" },
  {
    expression: "cron(15 10 ? * 6L 2022-2023)",
    after: "2022-01-01T00:00:00Z",
    want: ["2022-01-28T10:15Z", "2022-02-25T10:15Z"],
    why: "SG: 10:15am on the last Friday of each month during 2022-2023 (6 = FRI); last Fridays of Jan and Feb 2022 are the 28th and 25th",
  },
  { expression: "cron(15 10 ? * 6L 2022-2023)", after: "2023-12-01T00:00:00Z", count: 2, want: ["2023-12-29T10:15Z"], why: "SG example: the last one is Friday 29 Dec 2023, then the years run out" },
  { expression: "cron(15 10 ? * 6L 2019-2022)", after: "2022-12-01T00:00:00Z", count: 2, want: ["2022-12-30T10:15Z"], why: "EB: the same for 2019 to 2022; last Friday of Dec 2022 is the 30th, then nothing" },
];

const wildcardExamples: FireRow[] = [
  { expression: "cron(1/10 * * * ? *)", after: JAN1, want: ["2027-01-01T00:01Z", "2027-01-01T00:11Z", "2027-01-01T00:21Z", "2027-01-01T00:31Z"], why: "SG/EB '/': 1/10 is every tenth minute from minute 1 (the 11th, 21st, 31st…)" },
  { expression: "cron(0 9 3W * ? *)", after: JAN1, want: ["2027-01-04T09:00Z", "2027-02-03T09:00Z", "2027-03-03T09:00Z"], why: "SG/EB 'W': 3W is the weekday closest to the 3rd; 3 Jan 2027 is a Sunday so Monday 4th; 3 Feb and 3 Mar are Wednesdays" },
  { expression: "cron(0 9 3W * ? *)", after: "2027-04-01T00:00:00Z", want: ["2027-04-02T09:00Z"], why: "SG/EB 'W': 3 Apr 2027 is a Saturday, the closest weekday is Friday 2nd" },
  {
    expression: "cron(0 9 1W * ? *)",
    after: "2022-01-01T00:00:00Z",
    want: ["2022-01-03T09:00Z"],
    why: "Quartz CronTrigger (the syntax AWS's cron follows): 1W on a Saturday is Monday the 3rd, W never leaves the month",
  },
  { expression: "cron(0 12 ? * 3#2 *)", after: JAN1, want: ["2027-01-12T12:00Z", "2027-02-09T12:00Z", "2027-03-09T12:00Z"], why: "SG/EB '#': 3#2 is the second Tuesday of the month" },
  { expression: "cron(0 0 L * ? *)", after: JAN1, want: ["2027-01-31T00:00Z", "2027-02-28T00:00Z", "2027-03-31T00:00Z"], why: "SG/EB 'L' in day-of-month: the last day of the month" },
  { expression: "cron(0 0 L * ? *)", after: "2028-02-01T00:00:00Z", want: ["2028-02-29T00:00Z"], why: "'L' in a leap February is the 29th" },
  { expression: "cron(0 9 LW * ? *)", after: JAN1, want: ["2027-01-29T09:00Z", "2027-02-26T09:00Z", "2027-03-31T09:00Z", "2027-04-30T09:00Z"], why: "L with W: last weekday; 31 Jan and 28 Feb 2027 are Sundays, so Fridays 29 and 26" },
  { expression: "cron(0 9 ? * L *)", after: JAN1, want: ["2027-01-02T09:00Z", "2027-01-09T09:00Z"], why: "SG/EB 'L' in day-of-week: the last day of the week, Saturday (7)" },
  { expression: "cron(0 9 ? * 1L *)", after: JAN1, want: ["2027-01-31T09:00Z", "2027-02-28T09:00Z", "2027-03-28T09:00Z"], why: "nL: the last Sunday (1) of the month" },
  { expression: "cron(0 9 ? * 2#5 *)", after: JAN1, want: ["2027-03-29T09:00Z", "2027-05-31T09:00Z"], why: "'#' with 5: fifth Monday; Jan, Feb and Apr 2027 have only four" },
];

const fieldRules: FireRow[] = [
  { expression: "cron(0 9 ? * 1,7 *)", after: JAN1, want: ["2027-01-02T09:00Z", "2027-01-03T09:00Z", "2027-01-09T09:00Z"], why: "SG: day-of-week 1-7 is SUN-SAT (not Unix 0-6): 7 = Saturday 2nd, 1 = Sunday 3rd" },
  { expression: "cron(0 9 ? * 2-6 *)", after: JAN1, want: ["2027-01-01T09:00Z", "2027-01-04T09:00Z", "2027-01-05T09:00Z"], why: "2-6 = MON-FRI" },
  { expression: "cron(0 12 ? FEB SAT,SUN *)", after: JAN1, want: ["2027-02-06T12:00Z", "2027-02-07T12:00Z", "2027-02-13T12:00Z"], why: "SG: names JAN-DEC and SUN-SAT" },
  { expression: "cron(0 0 31 * ? *)", after: JAN1, want: ["2027-01-31T00:00Z", "2027-03-31T00:00Z", "2027-05-31T00:00Z"], why: "day 31 only in months that have one" },
  { expression: "cron(0 0 29 2 ? *)", after: JAN1, want: ["2028-02-29T00:00Z", "2032-02-29T00:00Z"], why: "29 February only in leap years" },
  { expression: "cron(0 0 1-31/10 * ? *)", after: JAN1, want: ["2027-01-11T00:00Z", "2027-01-21T00:00Z", "2027-01-31T00:00Z", "2027-02-01T00:00Z"], why: "'-' with '/': days 1, 11, 21, 31" },
  { expression: "cron(0 0 1 1 ? 2028-2030)", after: JAN1, count: 4, want: ["2028-01-01T00:00Z", "2029-01-01T00:00Z", "2030-01-01T00:00Z"], why: "year range: three New Years, then none" },
  { expression: "cron(0 0 1 1 ? 2030/5)", after: JAN1, want: ["2030-01-01T00:00Z", "2035-01-01T00:00Z"], why: "year with '/': every fifth year from 2030" },
  { expression: "cron(0 0 1 1 ? *)", after: "2199-01-01T00:00:00Z", count: 1, want: [], why: "SG: years are 1970-2199, so nothing after the last New Year" },
  { expression: "cron(30-30 13-13 ? * 2,4,6 *)", after: JAN1, want: ["2027-01-01T13:30Z", "2027-01-04T13:30Z", "2027-01-06T13:30Z"], why: "accepted by AWS (localstack/localstack#13572): 13:30 on Mon, Wed, Fri" },
  { expression: "cron(1-31/30 1-1 ? * 1,7 *)", after: JAN1, want: ["2027-01-02T01:01Z", "2027-01-02T01:31Z", "2027-01-03T01:01Z"], why: "accepted by AWS (localstack/localstack#13572): minutes 1 and 31 of 01:00 on Sat and Sun" },
  { expression: "cron(0-15/1 8-8 ? * 2,3,4,5,6,7 *)", after: "2027-01-01T08:14:00Z", want: ["2027-01-01T08:15Z", "2027-01-02T08:00Z", "2027-01-02T08:01Z"], why: "accepted by AWS (localstack/localstack#13572): minutes 0-15 of 08:00, Mon-Sat" },
];

const windows: FireRow[] = [
  { expression: "cron(0 10 * * ? *)", after: JAN1, window: { startDate: "2027-01-05T10:00:00Z" }, want: ["2027-01-05T10:00Z", "2027-01-06T10:00Z"], why: "CreateSchedule StartDate: invocations 'might occur on, or after' it, so one exactly at it counts" },
  { expression: "cron(0 10 * * ? *)", after: JAN1, count: 5, window: { endDate: "2027-01-02T10:00:00Z" }, want: ["2027-01-01T10:00Z", "2027-01-02T10:00Z"], why: "CreateSchedule EndDate: invocations 'might stop on, or before' it" },
];

describe("cron: AWS documentation examples", () => runFireTable(docExamples));
describe("cron: wildcards L, W, LW, #", () => runFireTable(wildcardExamples));
describe("cron: field values, names, years", () => runFireTable(fieldRules));
describe("cron: StartDate and EndDate", () => runFireTable(windows));
