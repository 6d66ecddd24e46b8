/**
 * Charges each V8 CPU profile sample of ingest or the executor to a stage of the sync invoke path,
 * so a profile reads as "µs per request in SigV4, in the NATS client, in the isolate…". A sample's
 * stage is decided from its stack: first whole-stack rules (anything under the telemetry logger is
 * log lines, anything under the executor's outbox is the outbox), then the frame nearest the leaf
 * that names a stage (a socket write under the NATS client is the NATS client's, a JSON.stringify
 * under protocol's codec is encode/decode), then node's internals, else "other".
 */
import { readFile } from "node:fs/promises";

interface Frame { functionName: string; url: string }
interface ProfileNode { id: number; callFrame: Frame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] }
type Rule = readonly [stage: string, matches: (frame: Frame) => boolean];

export type StagedService = "ingest" | "executor";
export interface Window { phase: string; fromUs: number; toUs: number; requests: number }
export interface StageRow { stage: string; perRequestUs: number; share: number; topLeaves: { fn: string; perRequestUs: number }[] }
export interface StageBreakdown { service: StagedService; phase: string; requests: number; busyPerRequestUs: number; stages: StageRow[] }

const inUrl = (part: string) => (f: Frame) => f.url.includes(part);
const named = (re: RegExp) => (f: Frame) => re.test(f.functionName);
const GC = "GC";

const wholeStack: Record<StagedService, Rule[]> = {
  ingest: [
    ["log lines (telemetry)", inUrl("/packages/telemetry/")],
    ["SigV4", (f) => inUrl("signature-v4")(f) || inUrl("/ingest/src/auth/")(f)],
  ],
  executor: [
    ["log lines (telemetry)", inUrl("/packages/telemetry/")],
    ["outbox (LogBatch publish)", inUrl("/executor/src/outbox")],
  ],
};

const nearest: Record<StagedService, Rule[]> = {
  ingest: [
    [GC, named(/^\(garbage collector\)$/)],
    ["NATS client (socket write/read, parse)", inUrl("@nats-io")],
    ["protocol encode/decode", inUrl("/packages/protocol/")],
    ["route + invoke logic (hono, ingest)", (f) => inUrl("/services/ingest/")(f) || inUrl("/hono/")(f) || inUrl("/packages/invoke/")(f)],
    ["HTTP parse + respond (node:http, socket)", (f) => /node:(_http|internal\/http)/.test(f.url) || inUrl("@hono/node-server")(f) ||
      f.functionName === "onStreamRead" || f.functionName === "parserOnHeadersComplete"],
  ],
  executor: [
    [GC, named(/^\(garbage collector\)$/)],
    ["isolate run (sandbox, isolated-vm)", (f) => inUrl("/packages/sandbox/")(f) || inUrl("isolated-vm")(f)],
    ["protocol decode/encode", inUrl("/packages/protocol/")],
    ["invocation logic (runner, lambda-log, admission)", (f) => inUrl("/services/executor/")(f) || inUrl("/packages/concurrency/")(f) ||
      inUrl("/packages/registry-view/")(f) || inUrl("/packages/invoke/")(f)],
    ["NATS client (socket write/read, parse)", inUrl("@nats-io")],
  ],
};

function stageOfChain(service: StagedService, chain: readonly Frame[]): string {
  const leaf = chain[0];
  if (leaf === undefined) return "other";
  if (leaf.functionName === "(idle)") return "(idle)";
  if (leaf.functionName === "(program)") return "V8/native outside JS";
  for (const [stage, matches] of wholeStack[service]) if (chain.some(matches)) return stage;
  for (const frame of chain) for (const [stage, matches] of nearest[service]) if (matches(frame)) return stage;
  if (chain.some((f) => f.url.startsWith("node:"))) return "node internals (timers, ticks, streams)";
  return "other";
}

/** The stages of `file` (a `.cpuprofile` of `service`) within each window. */
export async function stageBreakdown(file: string, service: StagedService, windows: readonly Window[]): Promise<StageBreakdown[]> {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const stageOf = new Map<number, string>();
  const stage = (id: number): string => {
    let known = stageOf.get(id);
    if (known === undefined) {
      const chain: Frame[] = [];
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = byId.get(at)?.callFrame;
        if (frame) chain.push(frame);
      }
      known = stageOfChain(service, chain);
      stageOf.set(id, known);
    }
    return known;
  };
  return windows.map((w) => {
    const us = new Map<string, number>();
    const leaves = new Map<string, Map<string, number>>();
    let at = profile.startTime;
    profile.samples.forEach((id, i) => {
      const delta = profile.timeDeltas[i] ?? 0;
      at += delta;
      if (at < w.fromUs || at > w.toUs) return;
      const s = stage(id);
      us.set(s, (us.get(s) ?? 0) + delta);
      const frame = byId.get(id)?.callFrame;
      const leaf = frame ? `${frame.functionName || "(anonymous)"} ${frame.url.split("/").pop() ?? ""}`.trim() : "?";
      const m = leaves.get(s) ?? new Map<string, number>();
      m.set(leaf, (m.get(leaf) ?? 0) + delta);
      leaves.set(s, m);
    });
    us.delete("(idle)");
    const busy = [...us.values()].reduce((a, b) => a + b, 0);
    const per = (v: number) => (w.requests > 0 ? v / w.requests : Number.NaN);
    const stages = [...us.entries()].sort((a, b) => b[1] - a[1]).map(([s, v]): StageRow => ({
      stage: s, perRequestUs: per(v), share: busy > 0 ? v / busy : 0,
      topLeaves: [...(leaves.get(s) ?? new Map<string, number>())].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([fn, lv]) => ({ fn, perRequestUs: per(lv) })),
    }));
    return { service, phase: w.phase, requests: w.requests, busyPerRequestUs: per(busy), stages };
  });
}
