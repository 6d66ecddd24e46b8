/**
 * Last-resort cleanup for a test process that exits without stopping its servers (an uncaught
 * error, process.exit): synchronous tasks run on 'exit', newest first, so servers are ended
 * before their directories are removed.
 *
 * No signal listeners: a listener cancels Node's exit-on-signal, and testcontainers loads
 * signal-exit, whose listener re-raises only when it is alone. Two such polite listeners wait for
 * each other and SIGTERM no longer ends the process. Deaths by signal are covered instead by the
 * parent-death signal that spawnServer gives each server (see process.ts).
 */
type Task = () => void;

const tasks = new Set<Task>();
let installed = false;

/** Registers `task`; returns a function that unregisters it (call it after a normal stop). */
export function onProcessExit(task: Task): () => void {
  if (!installed) {
    installed = true;
    process.on("exit", runAll);
  }
  tasks.add(task);
  return () => {
    tasks.delete(task);
  };
}

function runAll(): void {
  for (const task of [...tasks].reverse()) {
    tasks.delete(task);
    try {
      task();
    } catch {
      // Best effort: the process is ending and has nowhere to report to.
    }
  }
}
