/**
 * A mapping's FilterCriteria compiled for one record shape. Ingest refused invalid criteria, so a
 * failure here is a bug or a view from another version: logged, and every record passes (a
 * filter that silently dropped everything would lose events).
 */
import { compileFilters, type CompileOptions, type RecordFilter } from "@fnmesh/event-filter";
import type { EventSourceMappingView } from "@fnmesh/protocol";
import type { Logger } from "@fnmesh/telemetry";

export function mappingFilter(mapping: EventSourceMappingView, options: Omit<CompileOptions, "maxFilters">, log: Logger): RecordFilter {
  if (!mapping.filterCriteria || mapping.filterCriteria.filters.length === 0) return () => true;
  try {
    // Ingest checked the count against the account's quota (5, or 10 after an increase).
    return compileFilters({ Filters: mapping.filterCriteria.filters.map((f) => ({ Pattern: f.pattern })) }, { ...options, maxFilters: 10 });
  } catch (err) {
    log.error("a mapping's FilterCriteria does not compile; passing every record", { mapping: mapping.uuid, err });
    return () => true;
  }
}
