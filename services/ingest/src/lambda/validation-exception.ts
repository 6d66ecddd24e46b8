/**
 * Lambda's answer when a request breaks its model's constraints (ranges, patterns, required members),
 * checked before the operation runs: a 400 `ValidationException` listing every violation, e.g.
 * "1 validation error detected: Value '0' at 'provisionedConcurrentExecutions' failed to satisfy
 * constraint: Member must have value greater than or equal to 1" (recorded from AWS in
 * localstack/localstack:tests/aws/services/lambda_/test_lambda_api.snapshot.json).
 */
import { LambdaApiError } from "./errors.ts";

/** One violated constraint of member `field` (camelCase, as Lambda names it). */
export function violation(value: unknown, field: string, constraint: string): string {
  const shown = value === null || value === undefined ? "null" : `'${String(value)}'`;
  return `Value ${shown} at '${field}' failed to satisfy constraint: ${constraint}`;
}

/** A range check's violation, or undefined when `value` is within [min, max]. */
export function rangeViolation(value: number | undefined, field: string, min: number, max?: number): string | undefined {
  if (value === undefined) return undefined;
  if (value < min) return violation(value, field, `Member must have value greater than or equal to ${min}`);
  if (max !== undefined && value > max) return violation(value, field, `Member must have value less than or equal to ${max}`);
  return undefined;
}

/**
 * Throws Lambda's ValidationException when any violation is present (or `type`, for the few
 * operations where fnmesh answers another 400 type with the same text).
 */
export function throwIfViolations(found: (string | undefined)[], type: "ValidationException" | "InvalidParameterValueException" = "ValidationException"): void {
  const list = found.filter((v): v is string => v !== undefined);
  if (list.length === 0) return;
  const head = `${list.length} validation error${list.length === 1 ? "" : "s"} detected: `;
  throw new LambdaApiError(400, type, head + list.join("; "));
}
