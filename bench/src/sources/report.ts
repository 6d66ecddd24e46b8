/** The event-sources section's table: mappings end to end next to their floors from the same run. */
import { formatTable, ratioText, type Better } from "../table.ts";
import type { SourcesResults } from "./types.ts";

type Unit = "rows/s" | "ms" | "count";
interface Row { metric: string; unit: Unit; fnmesh: number | undefined; floor: number | undefined; floorIs: string; better?: Better }

function fmt(v: number | undefined, unit: Unit): string {
  if (v === undefined || Number.isNaN(v)) return "—";
  if (unit !== "ms") return Math.round(v).toLocaleString("en-US");
  return v < 10 ? v.toFixed(2) : v < 1000 ? v.toFixed(1) : Math.round(v).toLocaleString("en-US");
}

function rows(r: SourcesResults): Row[] {
  const b = r.burst;
  const c = r.changes;
  const commits = "PostgreSQL commits alone";
  return [
    { metric: "Postgres: row changes/s, first write → last row in an invocation", unit: "rows/s", fnmesh: b.perSec, floor: r.commitFloorPerSec, floorIs: commits, better: "higher" },
    { metric: "  the same", unit: "rows/s", fnmesh: b.perSec, floor: c?.feedPerSec, floorIs: "change feed → FNMESH_CHANGES alone", better: "higher" },
    { metric: "  the same", unit: "rows/s", fnmesh: b.perSec, floor: c?.publishFloorPerSec, floorIs: "publishChanges alone (NATS)", better: "higher" },
    { metric: "  writers committing the burst (during the run)", unit: "rows/s", fnmesh: r.settings.rows / (b.commitMs / 1000), floor: r.commitFloorPerSec, floorIs: commits, better: "higher" },
    { metric: "  batch: first record's commit → handler start p50", unit: "ms", fnmesh: b.batchDelayMs.p50, floor: c?.delayMs.p50, floorIs: "commit → stored, burst", better: "lower" },
    { metric: "  batch: first record's commit → handler start p99", unit: "ms", fnmesh: b.batchDelayMs.p99, floor: c?.delayMs.p99, floorIs: "commit → stored, burst", better: "lower" },
    { metric: "  rows delivered (distinct) / written", unit: "count", fnmesh: b.delivered, floor: r.settings.rows, floorIs: "written" },
    { metric: "  rows delivered more than once", unit: "count", fnmesh: b.duplicates, floor: undefined, floorIs: "" },
    { metric: "  invocations (batches) / mean rows per batch", unit: "count", fnmesh: b.batches, floor: b.meanBatch, floorIs: "mean rows per batch" },
    { metric: "Postgres: one-row transactions, commit → handler start p50", unit: "ms", fnmesh: r.pgSingle.delayMs.p50, floor: c?.unloadedDelayMs.p50, floorIs: "commit → stored, one-row", better: "lower" },
    { metric: "  p99", unit: "ms", fnmesh: r.pgSingle.delayMs.p99, floor: c?.unloadedDelayMs.p99, floorIs: "commit → stored, one-row", better: "lower" },
    { metric: "  rows delivered / written", unit: "count", fnmesh: r.pgSingle.received, floor: r.pgSingle.sent, floorIs: "written" },
    { metric: "core NATS: publish → handler start p50", unit: "ms", fnmesh: r.nats.delayMs.p50, floor: r.natsFloor.delayMs.p50, floorIs: "publish → plain subscriber", better: "lower" },
    { metric: "  p99", unit: "ms", fnmesh: r.nats.delayMs.p99, floor: r.natsFloor.delayMs.p99, floorIs: "publish → plain subscriber", better: "lower" },
    { metric: "  messages run (received) / published", unit: "count", fnmesh: r.nats.received, floor: r.natsFloor.received, floorIs: `of ${r.nats.sent} each` },
    { metric: "  duplicate runs (received)", unit: "count", fnmesh: r.nats.duplicates, floor: r.natsFloor.duplicates, floorIs: "" },
  ];
}

export function formatSourcesSection(r: SourcesResults): string[] {
  const s = r.settings;
  const header = ["metric", "unit", "fnmesh", "floor", "ratio", "floor is"];
  const body = rows(r).map((row) => [
    row.metric, row.unit, fmt(row.fnmesh, row.unit), fmt(row.floor, row.unit),
    row.better ? ratioText(row.fnmesh, row.floor, row.better) : "—", row.floorIs,
  ]);
  const logLines = r.serviceLogs.reduce((n, l) => n + l.total, 0);
  const stopLines = r.serviceLogs.reduce((n, l) => n + l.whileStopping, 0);
  const crashed = r.serviceLogs.filter((l) => l.exitedEarly);
  return [
    "Event sources: mappings made through the Lambda API (CreateEventSourceMapping), stack as make dev starts it",
    `Postgres burst: ${s.rows.toLocaleString("en-US")} inserted rows, ${s.txnRows} per transaction, ${s.writers} writers (synchronous_commit=on), ` +
      `BatchSize ${s.batchSize}, window ${s.windowSeconds} s (${r.burst.ended}); one-row transactions and NATS messages: ${s.singles} each, ${s.pauseMs} ms apart, window 0`,
    "",
    ...formatTable(header, body),
    "ratio > 1 means fnmesh is better: floor/fnmesh for delays, fnmesh/floor for rates (so against a floor it stays below 1).",
    "times, one machine clock: handler start is the isolate's Date.now() (whole ms, taken at +0.5 ms); commit times PostgreSQL's (µs); publish and plain-subscriber times µs.",
    "change-feed floors (FNMESH_CHANGES, publishChanges, commit → stored) come from bench/src/changes/run.ts on its own servers after the stack stopped.",
    `errors: ${r.errors.length}` +
      `; service log lines at warn or above: ${logLines - stopLines} during the run, ${stopLines} while stopping${crashed.length ? `; services that exited early: ${crashed.map((l) => `${l.service} (${l.exitedEarly})`).join(", ")}` : ""}`,
    ...r.errors.slice(0, 10).map((e) => `  ${e}`),
    ...r.serviceLogs.filter((l) => l.total > 0).map((l) => `  ${l.service}: ${l.total} line(s) (${l.whileStopping} while stopping), first: ${l.lines[0]?.slice(0, 300) ?? ""}`),
  ];
}
