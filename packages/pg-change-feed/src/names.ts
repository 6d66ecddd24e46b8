/**
 * The publication and replication slot of one Postgres mapping, named after its UUID:
 * `fnmesh_<32 hex digits>` — a valid unquoted identifier (≤ 63 bytes, lowercase), the same for
 * both, so an operator can tell which mapping holds WAL (`SELECT * FROM pg_replication_slots`).
 * contract: never rename (a renamed slot would orphan every existing mapping's position)
 */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const SLOT_PREFIX = "fnmesh_";

/** The slot name of a mapping; throws for anything but a UUID. */
export function slotName(mappingUuid: string): string {
  if (!UUID.test(mappingUuid)) throw new RangeError(`not a mapping UUID: ${JSON.stringify(mappingUuid)}`);
  return `${SLOT_PREFIX}${mappingUuid.replaceAll("-", "").toLowerCase()}`;
}

/** The publication name of a mapping (same as its slot's). */
export const publicationName = slotName;

/** The mapping UUID of an fnmesh slot name, or undefined for any other slot. */
export function mappingOfSlot(slot: string): string | undefined {
  const m = /^fnmesh_([0-9a-f]{8})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{4})([0-9a-f]{12})$/.exec(slot);
  return m ? m.slice(1).join("-") : undefined;
}

/** `"schema"."table"`, quoted for SQL. */
export function qualifiedTable(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}

export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
