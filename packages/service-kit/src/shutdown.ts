/**
 * Runs `stop` once on SIGINT/SIGTERM, then exits; a second signal exits at once. Startup failures
 * should go through `exitOnStartupFailure` so a broken service never lingers half-started.
 */
export function onShutdown(stop: () => Promise<void>, log: { error(msg: string, f?: Record<string, unknown>): void }): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    stop().then(() => process.exit(0), (err: unknown) => {
      log.error("shutdown failed", { signal, err });
      process.exit(1);
    });
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

export function exitOnStartupFailure(service: string): (err: unknown) => never {
  return (err) => {
    process.stderr.write(`fnmesh ${service}: startup failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  };
}
