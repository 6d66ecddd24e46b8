/**
 * Where a warm sync Invoke's time goes, per stage: `node --no-node-snapshot bench/src/stages/run.ts
 * [--connections=1,32] [--seconds=8]`. Starts make dev's stack (stack.ts) with V8 CPU profiles,
 * creates the HTTP section's echo function, warms it with wrk, then runs wrk on one signed Invoke
 * per connection count and prints, per run: the CPU per request of every process (/proc, the real
 * figure) and, for ingest and the executor, µs per request and share of each stage (classify.ts;
 * profile samples count wall time while busy, so read shares). docs/performance.md tabulates it.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { diffCpu, readCpu } from "../async/cpu.ts";
import { monotonicUs } from "../async/profile.ts";
import { HttpHandler, lambdaSource } from "../http-handlers.ts";
import { createFunction, lambdaClient } from "../sdk-bench.ts";
import { startStack } from "../stack.ts";
import { runWrk, signInvoke } from "../wrk.ts";
import { stageBreakdown, type StagedService, type Window } from "./classify.ts";

const args = parseArgs({ options: { connections: { type: "string" }, seconds: { type: "string" } } }).values;
const connections = (args.connections ?? "1,32").split(",").map(Number);
const seconds = Number(args.seconds ?? 8);
if (connections.some((c) => !Number.isInteger(c) || c < 1) || !(seconds > 0)) {
  process.stderr.write("usage: bench/src/stages/run.ts [--connections=1,32] [--seconds=8]\n");
  process.exit(2);
}

const root = resolve(import.meta.dirname, "../../..");
const dir = await mkdtemp(join(tmpdir(), "fnmesh-stages-"));
const windows: Window[] = [];
const stack = await startStack(root, { cpuProfDir: dir });
try {
  const client = lambdaClient(stack.endpoint, stack.credentials);
  await createFunction(client, "echo", "echo", lambdaSource(HttpHandler.Echo, "echo"));
  client.destroy();
  const request = await signInvoke(stack.endpoint, "echo", JSON.stringify({ n: 1 }), stack.credentials);
  const scriptPath = join(dir, "wrk.lua");
  await runWrk({ request, connections: 8, durationS: 2, scriptPath });
  for (const c of connections) {
    const before = readCpu(stack.pids());
    const fromUs = monotonicUs();
    const r = await runWrk({ request, connections: c, durationS: seconds, scriptPath });
    const toUs = monotonicUs();
    const cpu = diffCpu(before, readCpu(stack.pids()), r.requests);
    windows.push({ phase: `C=${c}`, fromUs, toUs, requests: r.requests });
    console.log(`C=${c}: ${r.requestsPerSec.toFixed(0)} req/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, ${r.badResponses} wrong answers`);
    for (const d of cpu) if (d.perEventUs >= 1) console.log(`  CPU ${d.name}: ${d.perEventUs.toFixed(0)} µs/request`);
  }
  await stack.stopServices(); // the services write their profiles as they stop
  for (const file of (await readdir(dir)).filter((f) => f.endsWith(".cpuprofile")).sort()) {
    const service = file.split(".")[0];
    if (service !== "ingest" && service !== "executor") continue;
    for (const b of await stageBreakdown(join(dir, file), service as StagedService, windows)) {
      console.log(`\n${b.service} ${b.phase}: ${b.busyPerRequestUs.toFixed(0)} µs busy per request (${b.requests} requests)`);
      for (const s of b.stages) {
        const leaves = s.topLeaves.map((l) => `${l.fn} ${l.perRequestUs.toFixed(0)}`).join("; ");
        console.log(`  ${s.stage.padEnd(50)} ${s.perRequestUs.toFixed(0).padStart(5)} µs ${(100 * s.share).toFixed(1).padStart(5)}%   ${leaves}`);
      }
    }
  }
} finally {
  await stack.stop();
  await rm(dir, { recursive: true, force: true });
}
