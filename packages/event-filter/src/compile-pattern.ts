/**
 * One filter pattern (already JSON-parsed) to a predicate over a record, validating as it goes.
 * Grammar: EventBridge event patterns as the Lambda Developer Guide's "Filter rule syntax" summarises
 * them. Fields are ANDed, the values in a field's array ORed, `$or` ORs whole sub-patterns; an event
 * array matches when any element does; `exists` looks at leaves only.
 */
import { invalidPattern } from "./errors.ts";
import {
  anythingButTest,
  cidrTest,
  equalsIgnoreCaseTest,
  equalsTest,
  numericTest,
  prefixTest,
  suffixTest,
  wildcardTest,
  type Leaf,
  type LeafTest,
} from "./leaf-matchers.ts";

/** A predicate over the value found at one level of the record (undefined when absent). */
export type Node = (value: unknown) => boolean;
/** Reads a field of a level; the top level may substitute a decoded payload. */
export type FieldOf = (container: unknown, key: string) => unknown;

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const plainField: FieldOf = (container, key) =>
  isPlainObject(container) && Object.hasOwn(container, key) ? container[key] : undefined;

/** Compiles a pattern object; `fieldOf` applies to this level only (nested levels read plainly). */
export function compileObject(pattern: unknown, fieldOf: FieldOf = plainField): Node {
  if (!isPlainObject(pattern)) throw invalidPattern("a pattern is a JSON object");
  const keys = Object.keys(pattern);
  if (keys.length === 0) throw invalidPattern("empty objects are not allowed");
  const nodes: Node[] = keys.map((key) => {
    const rule = pattern[key];
    if (key === "$or") {
      if (!Array.isArray(rule) || rule.length < 2) throw invalidPattern("$or takes an array of at least two patterns");
      const branches = rule.map((branch) => compileObject(branch, fieldOf));
      return (v) => branches.some((b) => b(v));
    }
    if (Array.isArray(rule)) {
      const leaf = compileLeafRules(rule);
      return (v) => leaf(fieldOf(v, key));
    }
    if (isPlainObject(rule)) {
      const nested = compileObject(rule);
      return (v) => matchNested(fieldOf(v, key), nested);
    }
    throw invalidPattern(`"${key}" must be an array of rules or a nested pattern`);
  });
  return nodes.length === 1 ? nodes[0]! : (v) => nodes.every((n) => n(v));
}

/** A nested pattern against an event array matches when one object element satisfies all of it. */
function matchNested(value: unknown, nested: Node): boolean {
  if (!Array.isArray(value)) return nested(value);
  const objects = value.flat(Infinity).filter(isPlainObject);
  return objects.length === 0 ? nested(undefined) : objects.some((o) => nested(o));
}

function compileLeafRules(rules: unknown[]): Node {
  const tests: LeafTest[] = [];
  let existsTrue = false;
  let existsFalse = false;
  for (const rule of rules) {
    if (rule === null || typeof rule === "string" || typeof rule === "number" || typeof rule === "boolean") {
      tests.push(equalsTest(rule));
      continue;
    }
    if (!isPlainObject(rule)) throw invalidPattern("a rule is a value or an operator object");
    const ops = Object.keys(rule);
    if (ops.length !== 1) throw invalidPattern("an operator object has exactly one operator");
    const op = ops[0]!;
    const operand = rule[op];
    switch (op) {
      case "exists":
        if (typeof operand !== "boolean") throw invalidPattern("exists takes true or false");
        if (operand) existsTrue = true;
        else existsFalse = true;
        break;
      case "prefix":
        tests.push(prefixTest(operand));
        break;
      case "suffix":
        tests.push(suffixTest(operand));
        break;
      case "equals-ignore-case":
        tests.push(equalsIgnoreCaseTest(operand));
        break;
      case "wildcard":
        tests.push(wildcardTest(operand));
        break;
      case "anything-but":
        tests.push(anythingButTest(operand));
        break;
      case "numeric":
        tests.push(numericTest(operand));
        break;
      case "cidr":
        tests.push(cidrTest(operand));
        break;
      default:
        throw invalidPattern(`unknown operator "${op}"`);
    }
  }
  const anyTest = (leaf: Leaf): boolean => {
    for (const t of tests) if (t(leaf)) return true;
    return false;
  };
  return (value) => {
    const leaves = leavesOf(value);
    if (leaves.length === 0) return existsFalse; // absent, or an intermediate node: only exists:false holds
    return existsTrue || leaves.some(anyTest);
  };
}

const NONE: Leaf[] = [];

/** The leaf values at a field: one scalar, an array's scalars (nested arrays flattened), or none. */
function leavesOf(value: unknown): Leaf[] {
  if (value === undefined) return NONE;
  if (value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean") return [value];
  if (Array.isArray(value)) {
    return value.flat(Infinity).filter((x): x is Leaf => x === null || (typeof x !== "object" && x !== undefined));
  }
  return NONE;
}
