/**
 * Lambda accepts a function as a name, a partial ARN (`123456789012:function:name`) or a full ARN
 * (`arn:aws:lambda:region:123456789012:function:name`), each optionally with `:qualifier`.
 */
import { FUNCTION_NAME_PATTERN } from "@fnmesh/protocol";
import { invalidParameter } from "./errors.ts";

export interface FunctionRef { name: string; qualifier?: string }

const FULL = /^arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:function:([A-Za-z0-9_-]+)(?::([^:]+))?$/;
const PARTIAL = /^\d{12}:function:([A-Za-z0-9_-]+)(?::([^:]+))?$/;
const SHORT = /^([A-Za-z0-9_-]+)(?::([^:]+))?$/;

export function parseFunctionRef(value: string): FunctionRef {
  const m = FULL.exec(value) ?? PARTIAL.exec(value) ?? SHORT.exec(value);
  const name = m?.[1];
  if (!m || !name || !FUNCTION_NAME_PATTERN.test(name)) {
    throw invalidParameter(`1 validation error detected: Value '${value}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`);
  }
  return m[2] ? { name, qualifier: m[2] } : { name };
}

export function functionArn(region: string, accountId: string, name: string, qualifier?: string): string {
  return `arn:aws:lambda:${region}:${accountId}:function:${name}${qualifier ? `:${qualifier}` : ""}`;
}
