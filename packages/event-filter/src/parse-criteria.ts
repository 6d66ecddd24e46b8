/** Validates `FilterCriteria` as CreateEventSourceMapping does, before anything is stored. */
import { invalidPattern, patternTooLong, tooManyFilters } from "./errors.ts";
import { compileObject, isPlainObject } from "./compile-pattern.ts";
import type { FilterCriteria } from "./types.ts";

/** Lambda API Reference, Filter: "Maximum length of 4096". */
export const MAX_PATTERN_LENGTH = 4096;
/** Lambda Developer Guide: five filters by default, up to 10 after a quota increase. */
export const DEFAULT_MAX_FILTERS = 5;

/**
 * Checks the shape, the filter count, each pattern's length and grammar; throws `FilterError`.
 * `{}` or no `Filters` means "no filtering" (UpdateEventSourceMapping with `--filter-criteria "{}"`).
 */
export function parseFilterCriteria(criteria: unknown, maxFilters: number = DEFAULT_MAX_FILTERS): FilterCriteria {
  if (criteria === undefined || criteria === null) return { Filters: [] };
  if (!isPlainObject(criteria)) throw invalidPattern("FilterCriteria is an object");
  const filters = criteria["Filters"];
  if (filters === undefined || filters === null) return { Filters: [] };
  if (!Array.isArray(filters)) throw invalidPattern("Filters is a list");
  if (filters.length > maxFilters) throw tooManyFilters(filters.length, maxFilters);
  return {
    Filters: filters.map((filter: unknown, index) => {
      const pattern = isPlainObject(filter) ? filter["Pattern"] : undefined;
      if (typeof pattern !== "string") throw invalidPattern(`filter ${index} has no Pattern string`);
      if (pattern.length > MAX_PATTERN_LENGTH) throw patternTooLong(index, pattern.length);
      compileObject(parsePatternJson(pattern));
      return { Pattern: pattern };
    }),
  };
}

export function parsePatternJson(pattern: string): unknown {
  try {
    return JSON.parse(pattern);
  } catch {
    throw invalidPattern("the pattern is not JSON");
  }
}
