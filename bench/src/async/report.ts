/** The async section's table: fnmesh's Event path next to the bare-consumer floor. */
import { formatTable, ratioText, type Better } from "../table.ts";
import type { AsyncResults, PathResult, ProcessCpu } from "./types.ts";

type Unit = "events/s" | "ms" | "count";
interface Row { metric: string; unit: Unit; fnmesh: number | undefined; floor: number | undefined; better?: Better }

function fmt(v: number | undefined, unit: Unit): string {
  if (v === undefined || Number.isNaN(v)) return "—";
  if (unit !== "ms") return Math.round(v).toLocaleString("en-US");
  return v < 10 ? v.toFixed(2) : v < 1000 ? v.toFixed(1) : Math.round(v).toLocaleString("en-US");
}

function rows(r: AsyncResults): Row[] {
  const a = r.accepted;
  const path = (f: (p: PathResult) => number): Pick<Row, "fnmesh" | "floor"> => ({ fnmesh: f(r.fnmesh), floor: f(r.floor) });
  return [
    { metric: `accepted via Lambda API (wrk -c${a.run.connections}, Event → 202)`, unit: "events/s", fnmesh: a.acceptedPerSec, floor: undefined },
    { metric: "  202 latency p50", unit: "ms", fnmesh: a.run.p50Ms, floor: undefined },
    { metric: "  202 latency p99", unit: "ms", fnmesh: a.run.p99Ms, floor: undefined },
    { metric: "  accepted (warm-up + run)", unit: "count", fnmesh: a.accepted, floor: undefined },
    { metric: "  wrong answers (not 202) / socket errors", unit: "count", fnmesh: a.warmup.badResponses + a.run.badResponses + sockets(a.run) + sockets(a.warmup), floor: undefined },
    { metric: "  ran (of the accepted)", unit: "count", fnmesh: a.completed, floor: undefined },
    { metric: "  duplicate runs", unit: "count", fnmesh: a.duplicates, floor: undefined },
    { metric: "  missing (accepted, never ran)", unit: "count", fnmesh: a.missing, floor: undefined },
    { metric: "  ran beyond the 202s wrk counted (in flight when it stopped)", unit: "count", fnmesh: a.extra, floor: undefined },
    { metric: `stored (PubAck), ${r.settings.publishWindow} in flight`, unit: "events/s", ...path((p) => p.publishedPerSec), better: "higher" },
    { metric: "completed end to end (first publish → last run)", unit: "events/s", ...path((p) => p.completedPerSec), better: "higher" },
    { metric: "  elapsed", unit: "ms", ...path((p) => p.elapsedMs), better: "lower" },
    { metric: "accept→start delay p50", unit: "ms", ...path((p) => p.delay.p50), better: "lower" },
    { metric: "accept→start delay p99", unit: "ms", ...path((p) => p.delay.p99), better: "lower" },
    { metric: `  for reference: sync calls via invoke client .call, ${r.ceiling?.window ?? "—"} in flight`, unit: "events/s", fnmesh: r.ceiling?.callsPerSec, floor: undefined },
    { metric: "events completed", unit: "count", ...path((p) => p.completed) },
    { metric: "  duplicate runs", unit: "count", ...path((p) => p.duplicates) },
    { metric: "  missing (published, never ran)", unit: "count", ...path((p) => p.missing) },
    { metric: "  publish failures", unit: "count", ...path((p) => p.publishErrors) },
    { metric: "  deliveries by the scheduler's consumer", unit: "count", fnmesh: r.fnmesh.queue?.deliveries, floor: undefined },
    { metric: "  redeliveries (naks, expired ack waits)", unit: "count", fnmesh: r.fnmesh.queue?.redeliveries, floor: undefined },
    { metric: "  wrong answers (fnmesh: ERROR log lines)", unit: "count", ...path((p) => p.wrongAnswers) },
  ];
}

const sockets = (w: { socketErrors: { connect: number; read: number; write: number; timeout: number } }) =>
  w.socketErrors.connect + w.socketErrors.read + w.socketErrors.write + w.socketErrors.timeout;

function cpuLine(label: string, cpu: readonly ProcessCpu[]): string {
  // "(x main thread)" rows are part of x's total.
  const total = cpu.reduce((n, c) => n + (Number.isNaN(c.cpuMs) || c.name.startsWith("(") ? 0 : c.cpuMs), 0);
  return `  ${label}: ${cpu.map((c) => `${c.name} ${fmt(c.perEventUs, "count")}`).join(", ")}; total ${fmt(total, "count")} ms CPU`;
}

export function formatAsyncSection(r: AsyncResults): string[] {
  const s = r.settings;
  const body = rows(r).map((row) => [
    row.metric, row.unit, fmt(row.fnmesh, row.unit), fmt(row.floor, row.unit),
    row.better ? ratioText(row.fnmesh, row.floor, row.better) : "—",
  ]);
  const ended = `fnmesh ${r.fnmesh.ended}, floor ${r.floor.ended}, API events ${r.accepted.ended}`;
  const logLines = r.serviceLogs.reduce((n, l) => n + l.total - l.whileStopping, 0);
  const crashed = r.serviceLogs.filter((l) => l.exitedEarly);
  const out = [
    "async: Event invocations end to end (trivial handler)",
    `fnmesh: createInvokeClient(nc).enqueue → FNMESH_ASYNC → scheduler → executor (V8 isolate); a run counts at its REPORT line on fnmesh.logs.<fn>`,
    `floor: the same ${s.events} events on a bench stream of the same nats-server, one bare pull consumer (batch ${s.floorBatch}) calling the handler in-process, fnmesh's services stopped`,
    `samples: ${s.events} events per path, ${s.publishWindow} publishes in flight; accepted: wrk ${s.acceptSeconds} s at ${s.acceptConnections} connections after 1 s at 8; ` +
      `${s.executors} executor process(es)`,
    "",
    ...formatTable(["metric", "unit", "fnmesh", "floor", "ratio"], body),
    "ratio > 1 means fnmesh is better: fnmesh/floor for rates, floor/fnmesh for times. Target on 2 cores: ≥ 5,000 events/s completed.",
    "accept→start: the run's START line (executor clock) or the floor's handler call, minus the envelope's acceptedAt (bench clock), same machine;",
    "  all events are published as a burst, so the delay is mostly time spent queued behind earlier events.",
    `waits ended: ${ended}; service log lines at warn or above during the run: ${logLines}` +
      (crashed.length ? `; exited early: ${crashed.map((l) => `${l.service} (${l.exitedEarly})`).join(", ")}` : ""),
    "CPU µs per event during the completed run (from /proc and process.cpuUsage):",
    cpuLine("fnmesh", r.cpu.fnmesh),
    cpuLine("floor", r.cpu.floor),
    ...(r.cpu.ceiling ? [cpuLine("sync calls (reference)", r.cpu.ceiling)] : []),
    "nats-server per event: messages in / out / JetStream API calls (from /varz, /jsz):",
    ...(["fnmesh", "floor", "ceiling"] as const).flatMap((k) => {
      const n = r.natsPerEvent[k];
      return n ? [`  ${k === "ceiling" ? "sync calls (reference)" : k}: ${n.inMsgs.toFixed(2)} / ${n.outMsgs.toFixed(2)} / ${n.jsApiCalls.toFixed(3)}`] : [];
    }),
    ...(r.ceiling && Object.keys(r.ceiling.failures).length ? [`  sync calls (reference) failed: ${JSON.stringify(r.ceiling.failures)}`] : []),
    ...r.errors.slice(0, 10).map((e) => `  problem: ${e}`),
    ...r.serviceLogs.filter((l) => l.total > 0).map((l) => `  ${l.service}: ${l.total} line(s), first: ${l.lines[0]?.slice(0, 300) ?? ""}`),
  ];
  // Only processes that did work in a phase (an idle trigger, or a phase with no runs, says nothing).
  for (const p of (r.profiles ?? []).filter((x) => x.events > 0 && x.idlePercent < 97)) {
    out.push(
      `profile ${p.file.replace(/\.cpuprofile$/, "")}, ${p.phase}: ${fmt(p.events, "count")} runs in ${fmt(p.totalMs, "count")} ms, ${p.idlePercent.toFixed(0)}% idle, ` +
        `busy ${fmt(((100 - p.idlePercent) * p.totalMs * 10) / Math.max(1, p.events), "count")} µs/run, GC ${p.gcPercent.toFixed(1)}%; self time by package (% of samples, µs/run):`,
      `  ${p.byPackage.map((e) => `${e.fn} ${e.percent.toFixed(1)}% ${e.perEventUs.toFixed(1)}`).join("; ")}`,
      "  top functions:",
      ...p.top.slice(0, 10).map((e) => `    ${e.percent.toFixed(1).padStart(5)}% ${e.perEventUs.toFixed(1).padStart(7)} µs/run  ${e.fn}`),
    );
  }
  return out;
}
