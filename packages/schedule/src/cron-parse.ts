/**
 * The grammar of `cron(minutes hours day-of-month month day-of-week year)` as the EventBridge
 * Scheduler User Guide ("Schedule types", "Cron-based schedules") gives it:
 *
 *   | Field        | Values          | Wildcards     |
 *   | Minutes      | 0-59            | , - * /       |
 *   | Hours        | 0-23            | , - * /       |
 *   | Day-of-month | 1-31            | , - * ? / L W |
 *   | Month        | 1-12 or JAN-DEC | , - * /       |
 *   | Day-of-week  | 1-7 or SUN-SAT  | , - * ? L #   |
 *   | Year         | 1970-2199       | , - * /       |
 *
 * "You can't use * in both the Day-of-month and Day-of-week fields. If you use it in one, you must
 * use ? in the other" (and the EventBridge cron reference: "One of the day-of-month or day-of-week
 * values must be a question mark"), so exactly one of them is `?`. "If you use a '#' character, you
 * can define only one expression in the day-of-week field." A range may wrap: the EventBridge
 * reference's own example `cron(0/30 20-2 ? * MON-FRI *)` runs from 20:00 to 02:30. Names and
 * letters are read case-insensitively, as in Quartz, whose syntax AWS's is.
 */
import { invalidExpression } from "./errors.ts";
import type { CronFields, DayOfMonth, DayOfWeek } from "./types.ts";

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
  steps: boolean;
  wraps: boolean;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const MINUTES: Field = { name: "minutes", min: 0, max: 59, steps: true, wraps: true };
const HOURS: Field = { name: "hours", min: 0, max: 23, steps: true, wraps: true };
const DAY_OF_MONTH: Field = { name: "day-of-month", min: 1, max: 31, steps: true, wraps: true };
const MONTH: Field = { name: "month", min: 1, max: 12, names: MONTHS, steps: true, wraps: true };
const DAY_OF_WEEK: Field = { name: "day-of-week", min: 1, max: 7, names: DAYS, steps: false, wraps: true };
const YEAR: Field = { name: "year", min: 1970, max: 2199, steps: true, wraps: false };

/** Thrown inside the parser with the rule that failed; `parseCron` turns it into AWS's error. */
class Refusal extends Error {}

function atom(text: string, field: Field): number {
  let value: number;
  if (/^\d{1,4}$/.test(text)) value = Number(text);
  else {
    const index = field.names?.indexOf(text) ?? -1;
    if (index < 0) throw new Refusal(`${field.name}: '${text}' is not a value`);
    value = index + field.min;
  }
  if (value < field.min || value > field.max) {
    throw new Refusal(`${field.name}: ${value} is outside ${field.min}-${field.max}`);
  }
  return value;
}

/** One comma-separated part: `*`, `n`, `a-b`, `n/s`, `* /s` or `a-b/s` (a range may wrap past max). */
function part(text: string, field: Field, into: Set<number>): void {
  const [base = "", stepText, extra] = text.split("/");
  if (extra !== undefined) throw new Refusal(`${field.name}: '${text}' has two steps`);
  let step = 1;
  if (stepText !== undefined) {
    if (!field.steps) throw new Refusal(`${field.name}: '/' is not allowed`);
    if (!/^\d{1,4}$/.test(stepText) || Number(stepText) < 1) throw new Refusal(`${field.name}: bad step '${stepText}'`);
    step = Number(stepText);
  }
  let from: number;
  let to: number;
  if (base === "*") [from, to] = [field.min, field.max];
  else if (base.includes("-")) {
    const [a = "", b = "", more] = base.split("-");
    if (more !== undefined) throw new Refusal(`${field.name}: '${base}' is not a range`);
    [from, to] = [atom(a, field), atom(b, field)];
    if (from > to && !field.wraps) throw new Refusal(`${field.name}: range '${base}' runs backwards`);
  } else {
    from = atom(base, field);
    // "n/s" runs from n to the end of the field; a bare "n" is just n.
    to = stepText === undefined ? from : field.max;
  }
  const span = field.max - field.min + 1;
  const count = ((to - from + span) % span) + 1;
  for (let i = 0; i < count; i += step) into.add(((from - field.min + i) % span) + field.min);
}

function list(text: string, field: Field): number[] {
  if (text === "") throw new Refusal(`${field.name}: empty`);
  const values = new Set<number>();
  for (const p of text.split(",")) part(p, field, values);
  return [...values].sort((a, b) => a - b);
}

function dayOfMonth(text: string): DayOfMonth {
  if (text === "?") return { kind: "any" };
  if (text === "L") return { kind: "last" };
  if (text === "LW") return { kind: "lastWeekday" };
  const nearest = /^(\d{1,2})W$/.exec(text);
  if (nearest) return { kind: "nearestWeekday", day: atom(nearest[1] ?? "", DAY_OF_MONTH) };
  if (/[?LW]/.test(text)) throw new Refusal(`day-of-month: '${text}' uses ?, L or W other than alone`);
  return { kind: "days", days: list(text, DAY_OF_MONTH) };
}

function dayOfWeek(text: string): DayOfWeek {
  if (text === "?") return { kind: "any" };
  // "L" alone is the last day of the week: Saturday (7).
  if (text === "L") return { kind: "days", days: [7] };
  const last = /^([A-Z]{3}|\d)L$/.exec(text);
  if (last) return { kind: "last", day: atom(last[1] ?? "", DAY_OF_WEEK) };
  const nth = /^([A-Z]{3}|\d)#(\d)$/.exec(text);
  if (nth) {
    const n = Number(nth[2]);
    if (n < 1 || n > 5) throw new Refusal(`day-of-week: '#${n}' must be 1-5`);
    return { kind: "nth", day: atom(nth[1] ?? "", DAY_OF_WEEK), nth: n };
  }
  if (/[?L#]/.test(text)) throw new Refusal(`day-of-week: '${text}' uses ?, L or # other than alone`);
  return { kind: "days", days: list(text, DAY_OF_WEEK) };
}

/** Parses the inside of `cron(...)`; throws ScheduleError with AWS's message on any violation. */
export function parseCron(expression: string, body: string): CronFields {
  try {
    const parts = body.toUpperCase().split(/ +/);
    if (parts.length !== 6 || parts[0] === "") throw new Refusal(`needs 6 fields, has ${parts.length}`);
    const [minutes = "", hours = "", dom = "", month = "", dow = "", year = ""] = parts;
    const fields: CronFields = {
      minutes: list(minutes, MINUTES),
      hours: list(hours, HOURS),
      dayOfMonth: dayOfMonth(dom),
      months: list(month, MONTH),
      dayOfWeek: dayOfWeek(dow),
      years: list(year, YEAR),
    };
    const open = Number(fields.dayOfMonth.kind === "any") + Number(fields.dayOfWeek.kind === "any");
    if (open !== 1) throw new Refusal("exactly one of day-of-month and day-of-week must be '?'");
    return fields;
  } catch (err) {
    if (err instanceof Refusal) throw invalidExpression(expression, err.message);
    throw err;
  }
}
