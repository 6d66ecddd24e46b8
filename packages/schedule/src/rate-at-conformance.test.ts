/**
 * rate() and at() conformance, expected times worked out by hand from the EventBridge Scheduler User
 * Guide ("SG", "Rate-based schedules", "One-time schedules", "Daylight savings time") and
 * CreateSchedule's reference ("API").
 */
import { describe } from "node:test";
import { runFireTable, type FireRow } from "./testing/conformance.ts";

const T0 = "2027-01-01T00:00:00Z";
const JUST_BEFORE_T0 = "2026-12-31T23:59:59.999Z";

const rates: FireRow[] = [
  {
    expression: "rate(5 minutes)",
    after: JUST_BEFORE_T0,
    window: { createdAt: T0 },
    want: ["2027-01-01T00:00Z", "2027-01-01T00:05Z", "2027-01-01T00:10Z"],
    why: "SG example rate(5 minutes) without --start-date: 'starts invoking its target immediately after you create' it, then every 5 minutes",
  },
  {
    expression: "rate(1 minute)",
    after: T0,
    window: { createdAt: T0, startDate: "2027-01-01T12:00:00Z" },
    want: ["2027-01-01T12:00Z", "2027-01-01T12:01Z"],
    why: "SG: 'you use the StartDate property to set the first occurrence of the schedule' (it wins over the creation time)",
  },
  { expression: "rate(5 minutes)", after: "2027-01-01T00:07:00Z", window: { createdAt: T0 }, want: ["2027-01-01T00:10Z"], why: "asked mid-interval: the grid stays anchored at the creation time" },
  { expression: "rate(1 hour)", after: JUST_BEFORE_T0, window: { createdAt: T0 }, want: ["2027-01-01T00:00Z", "2027-01-01T01:00Z"], why: "EB rate example rate(1 hour)" },
  { expression: "rate(1 day)", after: T0, window: { createdAt: T0 }, want: ["2027-01-02T00:00Z", "2027-01-03T00:00Z"], why: "EB rate example rate(1 day)" },
  { expression: "rate(15 minutes)", after: T0, window: { createdAt: T0 }, want: ["2027-01-01T00:15Z", "2027-01-01T00:30Z"], why: "API: 'every 15 minutes'" },
  { expression: "rate(5 days)", after: T0, window: { createdAt: T0 }, want: ["2027-01-06T00:00Z", "2027-01-11T00:00Z"], why: "API: 'every five days'" },
  {
    expression: "rate(1 days)",
    timezone: "America/New_York",
    after: "2027-03-13T12:00:00Z",
    window: { startDate: "2027-03-13T12:00:00Z" },
    want: ["2027-03-14T12:00Z", "2027-03-15T12:00Z"],
    why: "SG DST: for rate(1 days) 'days represents a 24-hour duration ... still evaluates the rate expression 24 hours after the schedule's last invocation' (07:00 EST, then 08:00 EDT)",
  },
  {
    expression: "rate(1 hour)",
    after: JUST_BEFORE_T0,
    count: 5,
    window: { startDate: T0, endDate: "2027-01-01T02:00:00Z" },
    want: ["2027-01-01T00:00Z", "2027-01-01T01:00Z", "2027-01-01T02:00Z"],
    why: "API EndDate: invocations 'might stop on, or before' it",
  },
  { expression: "rate(2 minute)", after: T0, window: { createdAt: T0 }, want: ["2027-01-01T00:02Z"], why: "AWS stored rate(2 minute) as sent (localstack AWS-recorded snapshot, test_update_schedule): no singular/plural rule" },
  { expression: "rate(10 seconds)", after: JUST_BEFORE_T0, window: { createdAt: T0 }, want: ["2027-01-01T00:00:00Z", "2027-01-01T00:00:10Z", "2027-01-01T00:00:20Z"], why: "fnmesh extension: seconds (AWS refuses rate(10 seconds))" },
  { expression: "rate(1 second)", after: T0, window: { createdAt: T0 }, want: ["2027-01-01T00:00:01Z"], why: "fnmesh extension, singular" },
];

const ats: FireRow[] = [
  {
    expression: "at(2022-11-20T13:00:00)",
    timezone: "America/Los_Angeles",
    after: "2022-11-01T00:00:00Z",
    count: 2,
    want: ["2022-11-20T21:00Z"],
    why: "SG example: 'runs once at 1pm UTC-8 on November 20, 2022' in America/Los_Angeles = 21:00Z, once",
  },
  { expression: "at(2022-11-20T13:00:00)", timezone: "America/Los_Angeles", after: "2022-11-20T21:00:00Z", count: 1, want: [], why: "a one-time schedule does not fire again" },
  { expression: "at(2027-06-01T08:00:00)", after: T0, want: ["2027-06-01T08:00Z"], why: "API: ScheduleExpressionTimezone defaults to UTC" },
  {
    expression: "at(2027-06-01T08:00:00)",
    after: T0,
    window: { startDate: "2027-07-01T00:00:00Z", endDate: "2027-01-02T00:00:00Z" },
    want: ["2027-06-01T08:00Z"],
    why: "SG: 'EventBridge Scheduler ignores the StartDate and EndDate you specify' for one-time schedules",
  },
  {
    expression: "at(2027-03-14T02:30:00)",
    timezone: "America/New_York",
    after: T0,
    want: ["2027-03-14T07:30Z"],
    why: "fnmesh's documented choice (AWS is silent): a skipped at() time moves later by the gap, 02:30 → 03:30 EDT = 07:30Z",
  },
  {
    expression: "at(2027-11-07T01:30:00)",
    timezone: "America/New_York",
    after: T0,
    want: ["2027-11-07T05:30Z"],
    why: "fnmesh's documented choice (AWS is silent): a repeated at() time is the first one, 01:30 EDT = 05:30Z",
  },
];

describe("rate()", () => runFireTable(rates));
describe("at()", () => runFireTable(ats));
