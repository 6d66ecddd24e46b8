/** The part of node:test's TestContext this needs (`passed` exists at runtime on Node 24). */
export interface TestContextLike {
  after(fn: () => void): void;
}

/**
 * After the test, if it failed, prints each server's log tail to stderr under its key:
 * `printLogsOnFailure(t, { nats, postgres })`. Logs stay readable after a server has stopped,
 * so this works with `await using` handles disposed at the end of the test.
 */
export function printLogsOnFailure(t: TestContextLike, servers: Readonly<Record<string, { logs(): string }>>): void {
  t.after(() => {
    if ((t as { readonly passed?: boolean }).passed === true) return;
    for (const [label, server] of Object.entries(servers)) {
      process.stderr.write(`\n----- ${label} log (tail) -----\n${server.logs()}----- end of ${label} log -----\n`);
    }
  });
}
