/**
 * The harness's environment switches, read when a server is started (never at import time, so a
 * test may set them first). They are the harness's interface to developers and CI:
 *
 * - `FNMESH_TEST_NATS_URL`: reuse a running NATS server instead of starting one.
 * - `FNMESH_TEST_DATABASE_URL`: reuse a running PostgreSQL server (URL to a database whose user
 *   may create databases) instead of starting one.
 * - `FNMESH_TEST_CONTAINERS=1`: run servers from pinned container images (testcontainers) instead of
 *   the local binaries; an error if no container engine answers. Off by default, so every machine
 *   tests the same local servers (Debian's nats-server 2.9.10 and PostgreSQL 15).
 * - `FNMESH_TEST_DEBUG=1`: stream server logs to stderr as they are written.
 * - `FNMESH_TEST_KEEP=1`: keep temporary server directories after stop, for post-mortems.
 */
export interface HarnessEnv {
  natsUrl: string | undefined;
  databaseUrl: string | undefined;
  containers: boolean;
  debug: boolean;
  keep: boolean;
}

export function harnessEnv(env: NodeJS.ProcessEnv = process.env): HarnessEnv {
  return {
    natsUrl: nonEmpty(env.FNMESH_TEST_NATS_URL),
    databaseUrl: nonEmpty(env.FNMESH_TEST_DATABASE_URL),
    containers: isOn(env.FNMESH_TEST_CONTAINERS),
    debug: isOn(env.FNMESH_TEST_DEBUG),
    keep: isOn(env.FNMESH_TEST_KEEP),
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === "" ? undefined : value.trim();
}

function isOn(value: string | undefined): boolean {
  return value === "1" || value === "true";
}
