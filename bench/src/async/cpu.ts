/**
 * CPU time per process, read before and after a run: cheap counters that show where an event's
 * cost goes without a profiler slowing anything down. Services and nats-server from
 * /proc/<pid>/stat (user + system clock ticks, Linux only); this process from process.cpuUsage().
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";

let ticksPerSec: number | undefined;
function clockTicks(): number {
  if (ticksPerSec === undefined) {
    try { ticksPerSec = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100; } catch { ticksPerSec = 100; }
  }
  return ticksPerSec;
}

/**
 * User + system CPU ms so far of process `pid` (all its threads), or of one thread with `tid`;
 * NaN when it cannot be read (gone, or not Linux).
 */
export function processCpuMs(pid: number, tid?: number): number {
  try {
    const stat = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces) start at state (field 3); utime, stime are 14, 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / clockTicks();
  } catch {
    return Number.NaN;
  }
}

export const ownCpuMs = (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

export interface CpuReading { name: string; ms: number }

/**
 * The executor's main thread, apart: its event loop is where invocations queue, while isolate
 * code runs on isolated-vm's threads, which the process total includes.
 */
const mainThreadApart = (name: string) => name.startsWith("executor");

/** Reads every process now; `diff` of two readings gives each one's CPU ms in between. */
export function readCpu(pids: readonly { name: string; pid: number }[]): CpuReading[] {
  return [
    ...pids.flatMap(({ name, pid }) => [
      { name, ms: processCpuMs(pid) },
      ...(mainThreadApart(name) ? [{ name: `(${name} main thread)`, ms: processCpuMs(pid, pid) }] : []),
    ]),
    { name: "bench (publisher, observer)", ms: ownCpuMs() },
  ];
}

export function diffCpu(before: readonly CpuReading[], after: readonly CpuReading[], events: number): { name: string; cpuMs: number; perEventUs: number }[] {
  return after.map((a) => {
    const b = before.find((x) => x.name === a.name);
    const cpuMs = b ? a.ms - b.ms : Number.NaN;
    return { name: a.name, cpuMs, perEventUs: events > 0 ? (cpuMs * 1000) / events : Number.NaN };
  });
}
