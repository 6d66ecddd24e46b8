/**
 * FilterCriteria as Create/UpdateEventSourceMapping check it, by @fnmesh/event-filter (Lambda's
 * filter grammar, ≤ 5 filters, patterns ≤ 4096 characters), its refusals answered with the AWS
 * type and text that package carries ("Invalid filter pattern definition." for any bad pattern).
 */
import { isFilterError, parseFilterCriteria as parse } from "@fnmesh/event-filter";
import { LambdaApiError } from "../lambda/errors.ts";

export interface FilterCriteria { Filters: { Pattern: string }[] }

/** `{}`, null or no Filters means no filtering (an empty list). */
export function parseFilterCriteria(criteria: unknown): FilterCriteria {
  try {
    return { Filters: parse(criteria).Filters.map((f) => ({ Pattern: f.Pattern })) };
  } catch (err) {
    if (isFilterError(err)) throw new LambdaApiError(400, err.awsErrorCode, err.message);
    throw err;
  }
}
