/**
 * FNMESH_PG_SOURCES: the PostgreSQL servers Postgres mappings may read, by name
 * (`name=postgres://…`, comma-separated). A mapping's ARN names one of them
 * (`…:table/<source>/<schema>.<table>`), so connection strings never travel in mappings.
 */

/** One named connection. */
export interface PgSource {
  name: string;
  connectionString: string;
}

/** The source-name rule of the Postgres ARN (protocol's parseEventSourceArn): a letter first, then [A-Za-z0-9_-], ≤ 63. */
const NAME = /^[A-Za-z][A-Za-z0-9_-]{0,62}$/;

/** A connection string with its password replaced, for messages and logs. */
export function redactConnectionString(value: string): string {
  try {
    const url = new URL(value);
    if (url.password !== "") url.password = "***";
    for (const key of [...url.searchParams.keys()]) if (/pass/i.test(key)) url.searchParams.set(key, "***");
    return url.toString();
  } catch {
    return "(not a URL)";
  }
}

/**
 * Parses FNMESH_PG_SOURCES. Throws one Error listing every problem; messages never contain a
 * password. An empty value is no sources. Commas cannot appear inside an entry (percent-encode them).
 */
export function parsePgSources(value: string): Map<string, PgSource> {
  const sources = new Map<string, PgSource>();
  const problems: string[] = [];
  const entries = value.split(",").map((e) => e.trim()).filter((e) => e !== "");
  entries.forEach((entry, i) => {
    const where = `entry ${i + 1}`;
    const eq = entry.indexOf("=");
    if (eq < 0) {
      problems.push(`${where} has no "=": expected name=postgres://user@host:port/database`);
      return;
    }
    const name = entry.slice(0, eq).trim();
    const connectionString = entry.slice(eq + 1).trim();
    if (!NAME.test(name)) problems.push(`${where}: source name ${JSON.stringify(name)} must be a letter then letters, digits, _ or - (at most 63)`);
    let url: URL | undefined;
    try {
      url = new URL(connectionString);
    } catch {
      problems.push(`${where} (${name}): the connection string is not a URL (expected postgres://user@host:port/database)`);
    }
    if (url !== undefined) {
      if (url.protocol !== "postgres:" && url.protocol !== "postgresql:") {
        problems.push(`${where} (${name}): the connection string must start with postgres:// or postgresql://, not ${url.protocol}//`);
      } else if (url.pathname.replace(/^\//, "") === "") {
        problems.push(`${where} (${name}): ${redactConnectionString(connectionString)} names no database (logical replication reads one database)`);
      }
    }
    if (sources.has(name)) problems.push(`${where}: source ${JSON.stringify(name)} is defined twice`);
    else sources.set(name, { name, connectionString });
  });
  if (problems.length > 0) throw new Error(`FNMESH_PG_SOURCES is invalid: ${problems.join("; ")}`);
  return sources;
}
