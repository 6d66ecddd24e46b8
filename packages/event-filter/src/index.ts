/**
 * @fnmesh/event-filter: Lambda's event source mapping `FilterCriteria` — up to five JSON patterns,
 * ORed — validated as CreateEventSourceMapping does and compiled to a fast per-record predicate. The
 * grammar is EventBridge's event patterns as the Lambda Developer Guide documents them ("Control which
 * events Lambda sends to your function"). A library: no I/O, no configuration.
 *
 * ```ts
 * import { parseFilterCriteria, compileFilters, isFilterError } from "@fnmesh/event-filter";
 *
 * try {
 *   const criteria = parseFilterCriteria(input.FilterCriteria);           // on Create/UpdateEventSourceMapping
 *   const pass = compileFilters(criteria, { payloadKey: "data", payloadEncoding: "base64" });
 *   records.filter(pass);                                                  // per record, in the trigger
 * } catch (err) {
 *   if (isFilterError(err)) answer(400, err.awsErrorCode, err.message);   // "Invalid filter pattern definition."
 * }
 * ```
 */
export { FilterError, FilterErrorCode, isFilterError, type FilterAwsErrorCode } from "./errors.ts";
export { DEFAULT_MAX_FILTERS, MAX_PATTERN_LENGTH, parseFilterCriteria } from "./parse-criteria.ts";
export { compileFilters } from "./compile-filters.ts";
export { PayloadEncoding, type CompileOptions, type FilterCriteria, type RecordFilter } from "./types.ts";
