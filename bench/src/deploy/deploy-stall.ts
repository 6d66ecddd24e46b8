/**
 * How much a large deploy delays other requests, measured from outside ingest: a separate `node`
 * process (probe.ts) sends GET /healthz back to back for the whole run and records each latency,
 * while this process uploads CreateFunction bodies of ~68 MB (a 48 MiB incompressible zip, base64)
 * one after another through the Lambda API. Latencies are split by whether a deploy was in flight
 * when the probe's request started. Measurement only: nothing asserts a timing.
 */
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { CreateFunctionCommand, DeleteFunctionCommand } from "@aws-sdk/client-lambda";
import { zipSync } from "fflate";
import { lambdaClient } from "../sdk-bench.ts";
import type { Stack } from "../stack.ts";
import { summarize, type Summary } from "../stats.ts";

export interface DeployStallResult {
  deploys: number;
  bodyBytes: number;
  deployMs: Summary;
  healthzIdleMs: Summary;
  healthzDuringDeployMs: Summary;
}

export async function measureDeployStall(stack: Stack, options: { deploys?: number; idleMs?: number } = {}): Promise<DeployStallResult> {
  const deploys = options.deploys ?? 5;
  // Random bytes stored, not deflated: the zip is as large as its content, and every deploy differs.
  const zips = Array.from({ length: deploys }, () => zipSync({ "index.mjs": new TextEncoder().encode("export const handler = async () => 1;"), "blob.bin": randomBytes(48 * 1024 * 1024) }, { level: 0 }));
  const client = lambdaClient(stack.endpoint, stack.credentials);
  const probe = spawn(process.execPath, ["--no-node-snapshot", new URL("./probe.ts", import.meta.url).pathname, `${stack.endpoint}/healthz`], { stdio: ["pipe", "pipe", "inherit"] });
  let out = "";
  probe.stdout.setEncoding("utf8").on("data", (d: string) => { out += d; });
  const exited = new Promise<void>((resolve) => probe.once("exit", () => resolve()));
  const windows: [number, number][] = [];
  const deployMs: number[] = [];
  try {
    await new Promise((r) => setTimeout(r, options.idleMs ?? 3000));
    for (const [i, zip] of zips.entries()) {
      const name = `stall-${process.pid}-${i}`;
      const started = performance.timeOrigin + performance.now();
      await client.send(new CreateFunctionCommand({ FunctionName: name, Runtime: "nodejs22.x", Handler: "index.handler", Role: "arn:aws:iam::000000000000:role/x", Code: { ZipFile: zip } }));
      const ended = performance.timeOrigin + performance.now();
      windows.push([started, ended]);
      deployMs.push(ended - started);
      await client.send(new DeleteFunctionCommand({ FunctionName: name }));
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    probe.stdin.end();
    await exited;
    client.destroy();
  }
  const idle: number[] = [];
  const during: number[] = [];
  for (const line of out.trim().split("\n")) {
    const [at, ms] = line.split(" ").map(Number) as [number, number];
    (windows.some(([a, b]) => at >= a && at <= b) ? during : idle).push(ms);
  }
  return {
    deploys, bodyBytes: Math.ceil((zips[0]?.length ?? 0) / 3) * 4,
    deployMs: summarize(deployMs), healthzIdleMs: summarize(idle), healthzDuringDeployMs: summarize(during),
  };
}
