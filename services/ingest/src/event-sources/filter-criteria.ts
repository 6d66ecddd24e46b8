/**
 * FilterCriteria's shape as CreateEventSourceMapping checks it: `{ Filters: [{ Pattern }] }`, at
 * most 5 filters (Lambda's default quota), each Pattern a JSON object of at most 4096 characters
 * (API reference, Filter). Any malformed pattern is InvalidParameterValueException "Invalid filter
 * pattern definition." (localstack's provider; users' reports of AWS's answer).
 * The grammar inside a pattern (prefix, numeric, anything-but, …) is @fnmesh/event-filter's job;
 * this check stands until that package lands, and keeps its signature so the switch is one import.
 */
import { invalidParameter } from "../lambda/errors.ts";

export interface FilterCriteria { Filters: { Pattern: string }[] }

const MAX_FILTERS = 5;
const MAX_PATTERN_LENGTH = 4096;
const invalid = () => invalidParameter("Invalid filter pattern definition.");
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** `{}`, null or no Filters means no filtering (an empty list). */
export function parseFilterCriteria(criteria: unknown): FilterCriteria {
  if (criteria === undefined || criteria === null) return { Filters: [] };
  if (!isObject(criteria)) throw invalid();
  const filters = criteria["Filters"];
  if (filters === undefined || filters === null) return { Filters: [] };
  if (!Array.isArray(filters)) throw invalid();
  if (filters.length > MAX_FILTERS) {
    // fnmesh's text: AWS answers a quota error whose wording it does not document.
    throw invalidParameter(`FilterCriteria has ${filters.length} filters; the limit is ${MAX_FILTERS}.`);
  }
  return {
    Filters: filters.map((f: unknown) => {
      const pattern = isObject(f) ? f["Pattern"] : undefined;
      if (typeof pattern !== "string" || pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) throw invalid();
      let parsed: unknown;
      try { parsed = JSON.parse(pattern); } catch { throw invalid(); }
      if (!isObject(parsed)) throw invalid();
      return { Pattern: pattern };
    }),
  };
}
