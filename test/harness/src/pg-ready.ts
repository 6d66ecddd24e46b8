import pg from "pg";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Resolves once `url` accepts a connection and a query. A server that is still starting refuses
 * connections or answers "the database system is starting up"; both mean "try again".
 * `check` is called between attempts so a caller can fail fast (e.g. when its server exited).
 */
export async function waitForPostgres(
  url: string,
  options: { timeoutMs: number; check?: () => Promise<void> },
): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = "";
  for (;;) {
    await options.check?.();
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
    client.on("error", () => {}); // a server dying mid-attempt must not crash the process
    try {
      await client.connect();
      await client.query("SELECT 1");
      return;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    } finally {
      await client.end().catch(() => {});
    }
    if (Date.now() > deadline) {
      throw new Error(`PostgreSQL at ${redact(url)} not ready after ${options.timeoutMs} ms (${last})`);
    }
    await sleep(50);
  }
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "***";
    return parsed.toString();
  } catch {
    return "<unparseable URL>";
  }
}
