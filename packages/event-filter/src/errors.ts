/**
 * The one error of this package: FilterCriteria that CreateEventSourceMapping /
 * UpdateEventSourceMapping must refuse. Ingest answers it as a 400 with `awsErrorCode` and `message`.
 */

/** Why criteria were refused. contract: never rename (callers branch on these). */
export const FilterErrorCode = {
  InvalidFilterPattern: "invalid_filter_pattern",
  PatternTooLong: "pattern_too_long",
  TooManyFilters: "too_many_filters",
} as const;
export type FilterErrorCode = (typeof FilterErrorCode)[keyof typeof FilterErrorCode];

/** The AWS error codes this package answers with. */
export type FilterAwsErrorCode = "InvalidParameterValueException" | "ValidationException";

/** Thrown by `parseFilterCriteria` / `compileFilters`; branch on `code` (or `name`), never on `instanceof`. */
export class FilterError extends Error {
  override readonly name = "FilterError";
  readonly code: FilterErrorCode;
  readonly awsErrorCode: FilterAwsErrorCode;
  /** Which rule the criteria broke, for logs; `message` is the text AWS answers, nothing more. */
  readonly detail: string;

  constructor(code: FilterErrorCode, awsErrorCode: FilterAwsErrorCode, message: string, detail: string) {
    super(message);
    this.code = code;
    this.awsErrorCode = awsErrorCode;
    this.detail = detail;
  }
}

/**
 * Lambda's one answer to any malformed pattern: InvalidParameterValueException
 * "Invalid filter pattern definition." (recorded against AWS in localstack/localstack's Lambda
 * provider, create_event_source_mapping, and quoted by users of CreateEventSourceMapping).
 */
export function invalidPattern(detail: string): FilterError {
  return new FilterError(FilterErrorCode.InvalidFilterPattern, "InvalidParameterValueException", "Invalid filter pattern definition.", detail);
}

/**
 * `Filter.Pattern` is "Length Constraints: Minimum length of 0. Maximum length of 4096." (Lambda API
 * Reference, Filter). AWS reports a broken constraint in its standard validation text.
 */
export function patternTooLong(index: number, length: number): FilterError {
  return new FilterError(
    FilterErrorCode.PatternTooLong,
    "ValidationException",
    `1 validation error detected: Value at 'filterCriteria.filters.${index + 1}.member.pattern' failed to satisfy constraint: Member must have length less than or equal to 4096`,
    `pattern ${index} has ${length} characters`,
  );
}

/** AWS publishes no text for too many filters ("Lambda will return an error"); this wording is fnmesh's. */
export function tooManyFilters(count: number, max: number): FilterError {
  return new FilterError(
    FilterErrorCode.TooManyFilters,
    "InvalidParameterValueException",
    `The number of filters (${count}) exceeds the maximum allowed (${max}).`,
    `${count} filters, quota ${max}`,
  );
}

/** True for a FilterError, including one from another realm. */
export function isFilterError(err: unknown): err is FilterError {
  return typeof err === "object" && err !== null && (err as { name?: unknown }).name === "FilterError";
}
