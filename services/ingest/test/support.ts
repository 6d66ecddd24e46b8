/**
 * A real ingest in this process (so tests can watch its event loop and memory) on harness servers,
 * with a real executor as a child process (`services/executor/src/main.ts`, as `make dev` runs it:
 * services meet only on NATS, and its CPU stays off this process). Plus zips crafted byte by byte.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { constants, crc32, createDeflateRaw } from "node:zlib";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { startNats, startPostgres } from "@fnmesh/test-harness";
import { createPool, migrate } from "@fnmesh/store";
import { createLogger, startTelemetry } from "@fnmesh/telemetry";
import { loadConfig } from "../src/config.ts";
import { startIngest } from "../src/service.ts";

export const CREDENTIALS = { accessKeyId: "AKIDDEPLOYTEST", secretAccessKey: "deploy-test-secret" };
const EXECUTOR_MAIN = fileURLToPath(new URL("../../executor/src/main.ts", import.meta.url));

export interface IngestStack extends AsyncDisposable {
  url: string;
  lambda: LambdaClient;
}

export async function startIngestStack(env: Record<string, string> = {}): Promise<IngestStack> {
  const cleanups: (() => Promise<unknown>)[] = [];
  const stop = async () => { for (const cleanup of cleanups.reverse()) await cleanup(); };
  try {
    const nats = await startNats();
    cleanups.push(() => nats.stop());
    const postgres = await startPostgres({ migrate: async (url) => { await migrate(url); } });
    cleanups.push(() => postgres.stop());
    const db = await postgres.testDatabase();
    cleanups.push(() => db[Symbol.asyncDispose]());

    const debug = process.env.FNMESH_TEST_DEBUG === "1";
    const write = (line: string) => { if (debug) process.stderr.write(line); };
    const executor = spawnExecutor(nats.url, debug);
    cleanups.push(() => stopChild(executor));

    const nc: NatsConnection = await connect({ servers: nats.url, name: "ingest" });
    cleanups.push(() => nc.close());
    const pool = createPool(db.url, () => undefined);
    cleanups.push(() => pool.end());
    const telemetry = startTelemetry({ service: "deploy-test", write });
    const ingest = await startIngest({
      nc, pool, log: createLogger({ service: "ingest", write }), tracer: telemetry.tracer,
      config: loadConfig({
        NATS_URL: nats.url, DATABASE_URL: db.url, FNMESH_HTTP_PORT: "0",
        FNMESH_ACCESS_KEY_ID: CREDENTIALS.accessKeyId, FNMESH_SECRET_ACCESS_KEY: CREDENTIALS.secretAccessKey, ...env,
      }),
    });
    cleanups.push(() => ingest.stop());
    // Retries: the loops in these tests reuse keep-alive sockets across long deploys (TOOLCHAIN.md).
    const lambda = new LambdaClient({ endpoint: ingest.url, region: "us-east-1", credentials: CREDENTIALS, maxAttempts: 3 });
    cleanups.push(async () => lambda.destroy());
    return { url: ingest.url, lambda, [Symbol.asyncDispose]: stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

function spawnExecutor(natsUrl: string, debug: boolean): ChildProcess {
  const child = spawn(process.execPath, ["--no-node-snapshot", EXECUTOR_MAIN], {
    env: { ...process.env, NATS_URL: natsUrl, FNMESH_LOG_LEVEL: debug ? "debug" : "warn", FNMESH_EXECUTOR_CONSUME_ASYNC: "false" },
    stdio: ["ignore", "ignore", debug ? "inherit" : "ignore"],
  });
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

// Zips written byte by byte (the bundle package's tests have the same fixtures; packages' test
// files cannot be imported across workspaces).

/** One entry as stored: `data` deflated (method 8); `declaredSize` written to both headers. */
export interface CraftedEntry { name: string; data: Uint8Array; crc: number; declaredSize: number; method?: number }

const MIB = 1024 * 1024;

/** A deflated entry of `size` zeros (one continuous deflate stream, ~1 KB per MiB) declaring `declaredSize`. */
export async function zerosEntry(name: string, size: number, declaredSize = size): Promise<CraftedEntry> {
  const deflate = createDeflateRaw({ level: 9, strategy: constants.Z_RLE });
  const chunks: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve, reject) => { deflate.once("end", resolve); deflate.once("error", reject); });
  const block = Buffer.alloc(MIB);
  let crc = 0;
  for (let left = size; left > 0; left -= MIB) {
    const part = left >= MIB ? block : block.subarray(0, left);
    crc = crc32(part, crc);
    if (!deflate.write(part)) await new Promise((resolve) => deflate.once("drain", resolve));
  }
  deflate.end();
  await ended;
  return { name, data: Buffer.concat(chunks), crc, declaredSize };
}

/** A deflated entry holding `text`, honestly declared. */
export async function textEntry(name: string, text: string): Promise<CraftedEntry> {
  const raw = Buffer.from(text);
  const deflate = createDeflateRaw();
  const chunks: Buffer[] = [];
  deflate.on("data", (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve) => deflate.once("end", resolve));
  deflate.end(raw);
  await ended;
  return { name, data: Buffer.concat(chunks), crc: crc32(raw), declaredSize: raw.length };
}

/** Writes a zip: local headers and data, central directory, end record (no zip64). */
export function craftZip(entries: readonly CraftedEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name);
    const header = (size: number, signature: number) => {
      const h = Buffer.alloc(size + name.length);
      h.writeUInt32LE(signature, 0);
      return h;
    };
    const local = header(30, 0x04034b50);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(entry.method ?? 8, 8);
    local.writeUInt32LE(entry.crc >>> 0, 14);
    local.writeUInt32LE(entry.data.length, 18);
    local.writeUInt32LE(entry.declaredSize, 22);
    local.writeUInt16LE(name.length, 26);
    name.copy(local, 30);
    const central = header(46, 0x02014b50);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(entry.method ?? 8, 10);
    central.writeUInt32LE(entry.crc >>> 0, 16);
    central.writeUInt32LE(entry.data.length, 20);
    central.writeUInt32LE(entry.declaredSize, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    name.copy(central, 46);
    parts.push(local, entry.data);
    centrals.push(central);
    offset += local.length + entry.data.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(centrals.reduce((sum, c) => sum + c.length, 0), 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...parts, ...centrals, end]);
}
