/**
 * @fnmesh/store — fnmesh's Postgres state: versioned migrations and the function registry.
 * Only ingest (and later the scheduler/trigger) use it; executors never touch the database.
 *
 * @example
 * ```ts
 * await migrate(databaseUrl);
 * const functions = createFunctionStore(new pg.Pool({ connectionString: databaseUrl }));
 * const fn = await functions.get("hello");
 * ```
 */
export { migrate, loadMigrations } from "./migrate.ts";
export type { Migration } from "./migrate.ts";
export { createFunctionStore } from "./function-store.ts";
export type { FunctionStore } from "./function-store.ts";
export type { FunctionSettingsStore, ReserveOutcome, AccountUsage } from "./function-settings-store.ts";
export type { FunctionRecord, NewFunction, CodeUpdate, ConfigUpdate, ListPage, EventInvokeSettings } from "./types.ts";
export { createPool } from "./pool.ts";
export { createScheduleStore } from "./schedule-store.ts";
export type { ScheduleStore, ScheduleRecord, NewSchedule, ScheduleUpdate, ScheduleTargetRecord, FlexibleTimeWindowRecord, ScheduleListOptions } from "./schedule-store.ts";
export { createEventSourceMappingStore } from "./event-source-mapping-store.ts";
export type {
  EventSourceMappingStore, EventSourceMappingRecord, NewEventSourceMapping, EventSourceMappingUpdate, EventSourceMappingListOptions,
} from "./event-source-mapping-store.ts";
