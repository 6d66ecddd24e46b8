/**
 * The compose stack's one-shot `migrate` service: applies fnmesh's migrations to DATABASE_URL with
 * the same `migrate()` `make dev` calls (scripts/dev.ts), then exits; ingest starts after it
 * succeeds. Safe to run again or concurrently (an advisory lock serialises migrators).
 */
import { migrate } from "@fnmesh/store";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write("migrate: DATABASE_URL is not set\n");
  process.exit(2);
}
try {
  const applied = await migrate(databaseUrl);
  process.stdout.write(applied.length ? `applied migrations ${applied.join(", ")}\n` : "database schema is up to date\n");
} catch (err) {
  process.stderr.write(`migrate: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
