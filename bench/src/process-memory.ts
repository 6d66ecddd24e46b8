/** A process's resident memory from /proc (Linux), as the kernel counts it. */
import { readFile } from "node:fs/promises";

export interface ProcessMemory {
  /** VmRSS: resident now, MiB. */
  rssMiB: number;
  /** VmHWM: the most it was resident, MiB. */
  peakRssMiB: number;
}

/** Reads /proc/<pid>/status; undefined if the process is gone or /proc is not there. */
export async function processMemory(pid: number): Promise<ProcessMemory | undefined> {
  const status = await readFile(`/proc/${pid}/status`, "utf8").catch(() => undefined);
  if (status === undefined) return undefined;
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN);
  return { rssMiB: kib("VmRSS") / 1024, peakRssMiB: kib("VmHWM") / 1024 };
}
