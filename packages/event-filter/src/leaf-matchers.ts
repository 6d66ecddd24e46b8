/**
 * Leaf rules of EventBridge's pattern grammar, which Lambda filter rules share ("Lambda supports the
 * Amazon EventBridge rules and uses the same syntax", Lambda Developer Guide, Filter rule syntax).
 * Each builder validates its operand (throwing "Invalid filter pattern definition.") and returns a
 * test over one leaf value of the event.
 */
import { invalidPattern } from "./errors.ts";

export type Leaf = string | number | boolean | null;
export type LeafTest = (value: Leaf) => boolean;

/** EventBridge User Guide, Numeric matching: "between -5.0e9 and +5.0e9 inclusive". */
const NUMERIC_LIMIT = 5e9;

const lower = (s: string): string => s.toLowerCase();

export function equalsTest(want: Leaf): LeafTest {
  return (value) => value === want;
}

function stringOperand(op: string, operand: unknown): string {
  if (typeof operand !== "string") throw invalidPattern(`${op} takes a string`);
  return operand;
}

function ignoreCaseOperand(op: string, operand: unknown): string {
  if (typeof operand === "object" && operand !== null && !Array.isArray(operand)) {
    const keys = Object.keys(operand);
    if (keys.length === 1 && keys[0] === "equals-ignore-case") {
      return lower(stringOperand(`${op}.equals-ignore-case`, (operand as Record<string, unknown>)["equals-ignore-case"]));
    }
  }
  throw invalidPattern(`${op} takes a string or { "equals-ignore-case": string }`);
}

export function prefixTest(operand: unknown): LeafTest {
  if (typeof operand !== "string") {
    const p = ignoreCaseOperand("prefix", operand);
    return (v) => typeof v === "string" && lower(v).startsWith(p);
  }
  return (v) => typeof v === "string" && v.startsWith(operand);
}

export function suffixTest(operand: unknown): LeafTest {
  if (typeof operand !== "string") {
    const s = ignoreCaseOperand("suffix", operand);
    return (v) => typeof v === "string" && lower(v).endsWith(s);
  }
  return (v) => typeof v === "string" && v.endsWith(operand);
}

export function equalsIgnoreCaseTest(operand: unknown): LeafTest {
  const want = lower(stringOperand("equals-ignore-case", operand));
  return (v) => typeof v === "string" && lower(v) === want;
}

/** `*` matches any run of characters, `\*` a literal star; `**` is refused (EventBridge User Guide, Wildcard matching). */
export function wildcardTest(operand: unknown): LeafTest {
  const text = stringOperand("wildcard", operand);
  let source = "";
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\\") {
      const next = text[i + 1];
      if (next !== "*" && next !== "\\") throw invalidPattern("wildcard: only \\* and \\\\ may be escaped");
      source += `\\${next}`;
      i++;
    } else if (c === "*") {
      if (text[i + 1] === "*") throw invalidPattern("wildcard: consecutive * are not allowed");
      source += "[\\s\\S]*";
    } else {
      source += c.replace(/[.+?^${}()|[\]\\/-]/g, "\\$&");
    }
  }
  const re = new RegExp(`^${source}$`);
  return (v) => typeof v === "string" && re.test(v);
}

const LOWER_OPS = new Set([">", ">="]);
const UPPER_OPS = new Set(["<", "<="]);

function numericValue(n: unknown): number {
  if (typeof n !== "number" || !Number.isFinite(n) || Math.abs(n) > NUMERIC_LIMIT) {
    throw invalidPattern("numeric operands are numbers within ±5.0e9");
  }
  return n;
}

/** `["=", n]`, or one lower (`>`, `>=`) and/or one upper (`<`, `<=`) bound, lower below upper. */
export function numericTest(operand: unknown): LeafTest {
  if (!Array.isArray(operand) || (operand.length !== 2 && operand.length !== 4)) {
    throw invalidPattern("numeric takes [op, n] or [op, n, op, n]");
  }
  if (operand[0] === "=") {
    if (operand.length !== 2) throw invalidPattern("numeric = stands alone");
    const n = numericValue(operand[1]);
    return (v) => v === n;
  }
  let low: { n: number; inclusive: boolean } | undefined;
  let high: { n: number; inclusive: boolean } | undefined;
  for (let i = 0; i < operand.length; i += 2) {
    const op: unknown = operand[i];
    const n = numericValue(operand[i + 1]);
    if (typeof op === "string" && LOWER_OPS.has(op) && !low) low = { n, inclusive: op === ">=" };
    else if (typeof op === "string" && UPPER_OPS.has(op) && !high) high = { n, inclusive: op === "<=" };
    else throw invalidPattern(`numeric: bad or repeated operator ${JSON.stringify(op)}`);
  }
  if (low && high && low.n >= high.n) throw invalidPattern("numeric: lower bound must be below upper bound");
  return (v) => {
    if (typeof v !== "number") return false;
    if (low && (low.inclusive ? v < low.n : v <= low.n)) return false;
    if (high && (high.inclusive ? v > high.n : v >= high.n)) return false;
    return true;
  };
}

/** Parses an IPv4 or IPv6 address to [bits, width]; undefined when it is not one. */
function parseIp(text: string): [bigint, number] | undefined {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    let bits = 0n;
    for (let i = 1; i <= 4; i++) {
      const octet = Number(v4[i]);
      if (octet > 255) return undefined;
      bits = (bits << 8n) | BigInt(octet);
    }
    return [bits, 32];
  }
  if (!text.includes(":") || !/^[0-9a-fA-F:]+$/.test(text)) return undefined;
  const halves = text.split("::");
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(":") : [];
  const tail = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || (halves.length === 2 && missing < 1)) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  let bits = 0n;
  for (const g of groups) {
    if (g.length < 1 || g.length > 4) return undefined;
    bits = (bits << 16n) | BigInt(parseInt(g, 16));
  }
  return [bits, 128];
}

/** `{ "cidr": "10.0.0.0/24" }`, IPv4 or IPv6 (EventBridge User Guide, IP address matching). */
export function cidrTest(operand: unknown): LeafTest {
  const text = stringOperand("cidr", operand);
  const m = /^([^/]+)\/(\d{1,3})$/.exec(text);
  const ip = m ? parseIp(m[1]!) : undefined;
  const prefix = m ? Number(m[2]) : NaN;
  if (!ip || !(prefix <= ip[1])) throw invalidPattern(`cidr: ${text} is not an IP prefix`);
  const [net, width] = ip;
  const shift = BigInt(width - prefix);
  const want = net >> shift;
  return (v) => {
    if (typeof v !== "string") return false;
    const got = parseIp(v);
    return got !== undefined && got[1] === width && got[0] >> shift === want;
  };
}

/**
 * `anything-but`: a value, a list of only strings or only numbers, or one of `prefix`, `suffix`,
 * `equals-ignore-case`, `wildcard` (EventBridge User Guide, Anything-but matching). A list or value
 * form matches any present leaf not listed; the string forms match only strings.
 */
export function anythingButTest(operand: unknown): LeafTest {
  if (typeof operand === "string" || typeof operand === "number") {
    return (v) => v !== operand;
  }
  if (Array.isArray(operand)) {
    if (operand.length === 0) throw invalidPattern("anything-but: empty list");
    const allStrings = operand.every((x) => typeof x === "string");
    const allNumbers = operand.every((x) => typeof x === "number");
    if (!allStrings && !allNumbers) throw invalidPattern("anything-but: a list holds only strings or only numbers");
    const set = new Set<Leaf>(operand as Leaf[]);
    return (v) => !set.has(v);
  }
  if (typeof operand === "object" && operand !== null) {
    const keys = Object.keys(operand);
    const op = keys[0];
    const arg = (operand as Record<string, unknown>)[op ?? ""];
    if (keys.length === 1) {
      const inner = (test: LeafTest): LeafTest => (v) => typeof v === "string" && !test(v);
      const anyOf = (build: (x: unknown) => LeafTest): LeafTest => {
        const tests = (Array.isArray(arg) ? arg : [arg]).map(build);
        if (tests.length === 0) throw invalidPattern(`anything-but.${op}: empty list`);
        return inner((v) => tests.some((t) => t(v)));
      };
      switch (op) {
        case "prefix":
          return inner(prefixTest(stringOperand("anything-but.prefix", arg)));
        case "suffix":
          return inner(suffixTest(stringOperand("anything-but.suffix", arg)));
        case "equals-ignore-case":
          return anyOf(equalsIgnoreCaseTest);
        case "wildcard":
          return anyOf(wildcardTest);
      }
    }
  }
  throw invalidPattern("anything-but: unsupported operand");
}
