import pg from "pg";

/** A pg pool whose idle-client errors are logged instead of crashing the process. */
export function createPool(databaseUrl: string, onError: (err: Error) => void, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString: databaseUrl, max });
  pool.on("error", onError);
  return pool;
}
