import { rmSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { onProcessExit } from "./exit-cleanup.ts";

export interface TempDir {
  readonly path: string;
  /** Deletes the directory, or keeps it and says where when `keep` was set. */
  remove(): Promise<void>;
}

/** Names the process that made a temp dir: `<hostname> <pid>`. */
const OWNER_FILE = ".fnmesh-owner";

/**
 * A private directory under the OS temp dir (`/tmp/fnmesh-<what>-XXXXXX`: short, so Unix socket
 * paths inside it stay under their 107-byte limit). Removed on stop, or on process exit if never
 * stopped. A process killed by a signal cannot clean up, so each new dir first sweeps away
 * `fnmesh-<what>-*` dirs whose owner process has died.
 */
export async function makeTempDir(what: string, keep: boolean): Promise<TempDir> {
  await sweepOrphans(what);
  const path = await mkdtemp(join(tmpdir(), `fnmesh-${what}-`));
  // A kept dir gets no owner, so no later sweep removes it.
  if (!keep) await writeFile(join(path, OWNER_FILE), `${hostname()} ${process.pid}\n`);
  const forget = keep ? () => {} : onProcessExit(() => rmSync(path, { recursive: true, force: true, maxRetries: 3 }));
  return {
    path,
    async remove() {
      forget();
      if (keep) {
        process.stderr.write(`fnmesh test harness: kept ${path} (FNMESH_TEST_KEEP=1)\n`);
        return;
      }
      await rm(path, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

async function sweepOrphans(what: string): Promise<void> {
  const root = tmpdir();
  const prefix = `fnmesh-${what}-`;
  const names = await readdir(root).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(prefix)) continue;
    const path = join(root, name);
    const owner = await readFile(join(path, OWNER_FILE), "utf8").catch(() => undefined);
    // No owner file: kept on purpose, or being set up right now. Another host (a container sharing
    // /tmp) has its own pids.
    const [host, pid] = owner?.trim().split(" ") ?? [];
    if (host !== hostname() || pid === undefined || isAlive(Number(pid))) continue;
    await rm(path, { recursive: true, force: true, maxRetries: 3 }).catch(() => {});
  }
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return true; // unreadable: leave it alone
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
