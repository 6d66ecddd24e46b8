/**
 * Reads the V8 CPU profiles (`--cpu-prof`) the services write when they stop and sums self time
 * per function and per package within the bench's phases, so a report can say what an event costs
 * where. Profile timestamps are CLOCK_MONOTONIC µs, the clock of `process.hrtime`, so the bench
 * marks each phase with `monotonicUs()` and only samples inside it count.
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { ProcessProfile, ProfileEntry } from "./types.ts";

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] }

/** Now on the profiles' clock. */
export const monotonicUs = (): number => Number(process.hrtime.bigint() / 1000n);

/** A phase of the section: its span on the profiles' clock and how many runs the services did in it. */
export interface ProfileWindow { phase: string; fromUs: number; toUs: number; events: number }

const TOP_FUNCTIONS = 15;
const TOP_PACKAGES = 12;

/** `@nats-io/nats-core/lib/protocol.js`, `fnmesh/executor/src/x.ts`, `node:internal/streams/...`. */
function shortUrl(url: string): string {
  const nm = url.lastIndexOf("/node_modules/");
  if (nm >= 0) return url.slice(nm + "/node_modules/".length);
  const ws = /\/(packages|services|bench|test)\/(.+)$/.exec(url);
  if (ws) return `fnmesh/${ws[1] === "packages" || ws[1] === "services" ? "" : `${ws[1]}/`}${ws[2]}`;
  return url;
}

function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith("(") ? frame.functionName : "(native)";
  const short = shortUrl(url);
  if (short !== url && !short.startsWith("fnmesh/")) {
    const parts = short.split("/");
    return parts[0]?.startsWith("@") ? `${parts[0]}/${parts[1]}` : parts[0] ?? short;
  }
  if (short.startsWith("fnmesh/")) return short.split("/").slice(0, 2).join("/");
  const internal = /^node:internal\/([^/]+)/.exec(url);
  return internal ? `node:internal/${internal[1]}` : url.startsWith("node:") ? url : short;
}

function rank(map: Map<string, number>, totalMs: number, events: number, n: number): ProfileEntry[] {
  return [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, n).map(([fn, ms]) => ({
    fn, selfMs: ms, percent: (100 * ms) / totalMs, perEventUs: events > 0 ? (ms * 1000) / events : Number.NaN,
  }));
}

function summarizeProfile(file: string, profile: CpuProfile, window: ProfileWindow): ProcessProfile {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const events = window.events;
  // timeDeltas[i] is the time before sample i; charge it to the sample it leads to.
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    if (at >= window.fromUs && at <= window.toUs) selfUs.set(id, (selfUs.get(id) ?? 0) + delta);
  });
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let totalMs = 0;
  let idleMs = 0;
  let gcMs = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const ms = us / 1000;
    totalMs += ms;
    if (frame.functionName === "(idle)") { idleMs += ms; continue; }
    if (frame.functionName === "(garbage collector)") gcMs += ms;
    const key = `${frame.functionName || "(anonymous)"}${frame.url ? ` ${shortUrl(frame.url)}:${frame.lineNumber + 1}` : ""}`;
    fns.set(key, (fns.get(key) ?? 0) + ms);
    const pkg = packageOf(frame);
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + ms);
  }
  const service = /^([a-z-]+)\./.exec(file)?.[1] ?? file;
  return {
    file, service, phase: window.phase, events, totalMs, idlePercent: (100 * idleMs) / totalMs, gcPercent: (100 * gcMs) / totalMs,
    top: rank(fns, totalMs, events, TOP_FUNCTIONS), byPackage: rank(pkgs, totalMs, events, TOP_PACKAGES),
  };
}

/** Every `*.cpuprofile` in `dir`, summarized per phase; per-event figures divide by the phase's runs. */
export async function summarizeProfiles(dir: string, windows: readonly ProfileWindow[]): Promise<ProcessProfile[]> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".cpuprofile")).sort();
  const out: ProcessProfile[] = [];
  for (const file of files) {
    const profile = JSON.parse(await readFile(join(dir, file), "utf8")) as CpuProfile;
    for (const window of windows) out.push(summarizeProfile(file, profile, window));
  }
  return out;
}
