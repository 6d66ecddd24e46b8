/**
 * Cron schedules across daylight-saving transitions, expected times worked out by hand from the
 * EventBridge Scheduler User Guide, "Daylight savings time on EventBridge Scheduler" ("DST" below):
 *   "When time shifts forward in the Spring, if a cron expression falls on a non-existent date and
 *    time, your schedule invocation is skipped. When time shifts backwards in the Fall, your schedule
 *    runs only once and does not repeat its invocation. The following invocations occur normally."
 * Transitions used (IANA rules): America/New_York and America/Los_Angeles 14 Mar 2027 02:00 → 03:00
 * and 7 Nov 2027 02:00 → 01:00 (EST UTC-5 / EDT UTC-4, PST UTC-8 / PDT UTC-7); Europe/London
 * 28 Mar 2027 01:00 GMT → 02:00 BST and 31 Oct 2027 02:00 BST → 01:00 GMT; Australia/Lord_Howe
 * 3 Oct 2027 02:00 → 02:30 (UTC+10:30 → +11) and 4 Apr 2027 02:00 → 01:30 (+11 → +10:30).
 */
import { describe } from "node:test";
import { runFireTable, type FireRow } from "./testing/conformance.ts";

const NY = "America/New_York";
const LONDON = "Europe/London";
const LORD_HOWE = "Australia/Lord_Howe";

const guideExample: FireRow[] = [
  {
    expression: "cron(30 2 * * ? *)",
    timezone: "America/Los_Angeles",
    after: "2027-03-13T00:00:00Z",
    want: ["2027-03-13T10:30Z", "2027-03-15T09:30Z", "2027-03-16T09:30Z"],
    why: "DST example, Spring-forward: 'skips the schedule invocation on that day, and resumes running the schedule normally the following day' (02:30 PST = 10:30Z, then 02:30 PDT = 09:30Z)",
  },
  {
    expression: "cron(30 2 * * ? *)",
    timezone: "America/Los_Angeles",
    after: "2027-11-06T00:00:00Z",
    want: ["2027-11-06T09:30Z", "2027-11-07T10:30Z", "2027-11-08T10:30Z"],
    why: "DST example, Fall-back: runs once; in Los Angeles 02:30 comes once that day (after the 02:00 → 01:00 shift), PDT before, PST after",
  },
  {
    expression: "cron(30 8 * * ? *)",
    timezone: NY,
    after: "2027-03-13T00:00:00Z",
    want: ["2027-03-13T13:30Z", "2027-03-14T12:30Z", "2027-03-15T12:30Z"],
    why: "SG time zone example (8:30 a.m. in America/New_York): 8:30 EST = 13:30Z, from the 14th 8:30 EDT = 12:30Z",
  },
  {
    expression: "cron(30 2 * * ? *)",
    timezone: "Asia/Tokyo",
    after: "2027-03-13T00:00:00Z",
    want: ["2027-03-13T17:30Z", "2027-03-14T17:30Z"],
    why: "DST note: a zone without daylight saving is not adjusted (02:30 JST = 17:30Z the day before, every day)",
  },
  {
    expression: "cron(30 2 * * ? *)",
    after: "2027-03-13T12:00:00Z",
    want: ["2027-03-14T02:30Z", "2027-03-15T02:30Z"],
    why: "DST note: 'Daylight-savings time adjustments do not apply to schedules in UTC'",
  },
];

const newYork: FireRow[] = [
  {
    expression: "cron(30 2 * * ? *)",
    timezone: NY,
    after: "2027-03-13T00:00:00Z",
    want: ["2027-03-13T07:30Z", "2027-03-15T06:30Z", "2027-03-16T06:30Z"],
    why: "DST Spring: 02:30 does not exist on 14 Mar, skipped; 02:30 EST = 07:30Z before, 02:30 EDT = 06:30Z after",
  },
  {
    expression: "cron(30 2 * * ? *)",
    timezone: NY,
    after: "2027-11-06T00:00:00Z",
    want: ["2027-11-06T06:30Z", "2027-11-07T07:30Z", "2027-11-08T07:30Z"],
    why: "DST Fall: 02:30 comes once on 7 Nov (after the shift, EST)",
  },
  {
    expression: "cron(30 1 * * ? *)",
    timezone: NY,
    after: "2027-11-06T00:00:00Z",
    want: ["2027-11-06T05:30Z", "2027-11-07T05:30Z", "2027-11-08T06:30Z"],
    why: "DST Fall: 01:30 comes twice on 7 Nov; 'runs the schedule only once at [that time] before the shift' = 01:30 EDT (05:30Z), not 01:30 EST (06:30Z)",
  },
  {
    expression: "cron(0 * * * ? *)",
    timezone: NY,
    after: "2027-03-14T05:30:00Z",
    want: ["2027-03-14T06:00Z", "2027-03-14T07:00Z", "2027-03-14T08:00Z"],
    why: "DST Spring, hourly: 01:00 EST (06:00Z), 02:00 does not exist, then 03:00 EDT (07:00Z), 04:00 EDT",
  },
  {
    expression: "cron(0 * * * ? *)",
    timezone: NY,
    after: "2027-11-07T03:30:00Z",
    want: ["2027-11-07T04:00Z", "2027-11-07T05:00Z", "2027-11-07T07:00Z", "2027-11-07T08:00Z"],
    why: "DST Fall, hourly: 00:00 and 01:00 EDT, the repeated 01:00 EST (06:00Z) does not fire, then 02:00 and 03:00 EST",
  },
  {
    expression: "cron(0/15 * * * ? *)",
    timezone: NY,
    after: "2027-11-07T05:40:00Z",
    want: ["2027-11-07T05:45Z", "2027-11-07T07:00Z", "2027-11-07T07:15Z"],
    why: "DST Fall, every 15 minutes: 01:45 EDT, then the repeated 01:00-01:45 EST are not run again, next is 02:00 EST",
  },
  {
    expression: "cron(0/15 * * * ? *)",
    timezone: NY,
    after: "2027-11-07T06:20:00Z",
    want: ["2027-11-07T07:00Z"],
    why: "asked during the repeated hour (01:20 EST): its wall times already ran before the shift, so next is 02:00 EST",
  },
];

const london: FireRow[] = [
  {
    expression: "cron(30 1 * * ? *)",
    timezone: LONDON,
    after: "2027-03-27T00:00:00Z",
    want: ["2027-03-27T01:30Z", "2027-03-29T00:30Z"],
    why: "DST Spring: 01:30 does not exist on 28 Mar, skipped; 01:30 GMT = 01:30Z, then 01:30 BST = 00:30Z",
  },
  {
    expression: "cron(30 1 * * ? *)",
    timezone: LONDON,
    after: "2027-10-30T00:00:00Z",
    want: ["2027-10-30T00:30Z", "2027-10-31T00:30Z", "2027-11-01T01:30Z"],
    why: "DST Fall: 01:30 comes twice on 31 Oct, fires at 01:30 BST (00:30Z) only, not 01:30 GMT (01:30Z)",
  },
  {
    expression: "cron(30 2 * * ? *)",
    timezone: LONDON,
    after: "2027-03-27T00:00:00Z",
    want: ["2027-03-27T02:30Z", "2027-03-28T01:30Z", "2027-03-29T01:30Z"],
    why: "02:30 exists on 28 Mar (the gap is 01:00-02:00): 02:30 GMT, then 02:30 BST = 01:30Z",
  },
  {
    expression: "cron(30 2 * * ? *)",
    timezone: LONDON,
    after: "2027-10-30T00:00:00Z",
    want: ["2027-10-30T01:30Z", "2027-10-31T02:30Z", "2027-11-01T02:30Z"],
    why: "02:30 comes once on 31 Oct (the repeat is 01:00-02:00): 02:30 BST = 01:30Z, then 02:30 GMT",
  },
  {
    expression: "cron(0 * * * ? *)",
    timezone: LONDON,
    after: "2027-03-27T23:30:00Z",
    want: ["2027-03-28T00:00Z", "2027-03-28T01:00Z", "2027-03-28T02:00Z"],
    why: "DST Spring, hourly: 00:00 GMT, 01:00 does not exist, 02:00 BST (01:00Z), 03:00 BST",
  },
  {
    expression: "cron(0 * * * ? *)",
    timezone: LONDON,
    after: "2027-10-30T23:30:00Z",
    want: ["2027-10-31T00:00Z", "2027-10-31T02:00Z", "2027-10-31T03:00Z"],
    why: "DST Fall, hourly: 01:00 BST (00:00Z) fires, the repeated 01:00 GMT (01:00Z) does not, then 02:00 GMT",
  },
];

const lordHowe: FireRow[] = [
  {
    expression: "cron(15 2 * * ? *)",
    timezone: LORD_HOWE,
    after: "2027-10-01T00:00:00Z",
    want: ["2027-10-01T15:45Z", "2027-10-03T15:15Z"],
    why: "DST Spring, 30-minute shift: 02:15 does not exist on 3 Oct; 2 Oct 02:15 +10:30 = 1 Oct 15:45Z, 4 Oct 02:15 +11 = 3 Oct 15:15Z",
  },
  {
    expression: "cron(45 1 * * ? *)",
    timezone: LORD_HOWE,
    after: "2027-04-02T00:00:00Z",
    want: ["2027-04-02T14:45Z", "2027-04-03T14:45Z", "2027-04-04T15:15Z"],
    why: "DST Fall, 30-minute shift: 01:45 comes twice on 4 Apr, fires once at +11 (3 Apr 14:45Z), not at +10:30 (15:15Z)",
  },
];

describe("DST: the User Guide's examples and notes", () => runFireTable(guideExample));
describe("DST: America/New_York", () => runFireTable(newYork));
describe("DST: Europe/London", () => runFireTable(london));
describe("DST: Australia/Lord_Howe", () => runFireTable(lordHowe));
