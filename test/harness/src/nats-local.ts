import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findBinary } from "./find-binary.ts";
import { LogBuffer } from "./log-buffer.ts";
import { spawnServer, type ServerProcess } from "./process.ts";
import { makeTempDir, type TempDir } from "./temp-dir.ts";
import type { NatsServer } from "./types.ts";

const STARTUP_TIMEOUT_MS = 10_000;

/**
 * fnmesh sends invocation payloads of up to 6 MB; the server default (1 MB) would reject them.
 * Written as bytes: nats-server 2.9 also accepts "8MB", but a number cannot be misread.
 */
export const NATS_MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

export interface LocalNatsOptions {
  jetstream: boolean;
  dir: string | undefined;
  port: number | undefined;
  debug: boolean;
  keep: boolean;
}

/** Starts the nats-server binary with a private config; resolves once /healthz answers 200. */
export async function startLocalNats(options: LocalNatsOptions): Promise<NatsServer> {
  const binary = await findBinary(["nats-server", "/usr/sbin/nats-server"]);
  if (binary === undefined) {
    throw new Error(
      "nats-server not found on PATH or at /usr/sbin/nats-server: install Debian package nats-server " +
        "(or run scripts/setup.sh), or set FNMESH_TEST_NATS_URL to use a running server",
    );
  }

  let temp: TempDir | undefined;
  let dir: string;
  if (options.dir === undefined) {
    temp = await makeTempDir("nats", options.keep);
    dir = temp.path;
  } else {
    dir = resolve(options.dir);
    await mkdir(dir, { recursive: true });
  }

  const configPath = join(dir, "nats-server.conf");
  await writeFile(configPath, natsConfig({ ...options, dir }));
  const logs = new LogBuffer({ echo: options.debug });
  let server: ServerProcess | undefined;
  try {
    server = await spawnServer({
      name: "nats-server",
      command: binary,
      args: ["-c", configPath],
      logs,
      stopSignal: "SIGTERM",
      exitSignal: "SIGKILL",
    });
    const ports = await waitForPortsFile(dir, server, logs);
    await waitForHealthz(ports.monitorUrl, server, logs);
    const port = Number(new URL(ports.url).port);
    const running = server;
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        await running.stop();
        await temp?.remove();
      })());
    return {
      url: ports.url,
      port,
      monitorUrl: ports.monitorUrl,
      dir,
      logs: () => logs.text(),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  } catch (error) {
    await server?.stop();
    await temp?.remove();
    throw error;
  }
}

/**
 * The server's config. `-1` ports let the kernel choose; the chosen ones are read back from the
 * ports file (`nats-server_<pid>.ports`), which is unique to this process even in a shared dir.
 */
function natsConfig(options: { jetstream: boolean; dir: string; port: number | undefined }): string {
  const lines = [
    `port: ${options.port ?? -1}`,
    `host: "127.0.0.1"`,
    `http: "127.0.0.1:-1"`,
    `ports_file_dir: ${JSON.stringify(options.dir)}`,
    `max_payload: ${NATS_MAX_PAYLOAD_BYTES}`,
  ];
  // nats-server appends "jetstream" to store_dir itself: the store ends up in <dir>/js/jetstream.
  if (options.jetstream) lines.push(`jetstream {`, `  store_dir: ${JSON.stringify(join(options.dir, "js"))}`, `}`);
  return lines.join("\n") + "\n";
}

export interface Ports {
  url: string;
  monitorUrl: string;
}

export async function waitForPortsFile(dir: string, server: ServerProcess, logs: LogBuffer, timeoutMs = STARTUP_TIMEOUT_MS): Promise<Ports> {
  const path = join(dir, `nats-server_${server.pid}.ports`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    await failIfExited(server, logs);
    try {
      // The file may be caught half-written; a parse error just means "try again".
      const parsed = JSON.parse(await readFile(path, "utf8")) as { nats?: unknown; monitoring?: unknown };
      const url = firstString(parsed.nats);
      const monitorUrl = firstString(parsed.monitoring);
      if (url !== undefined && monitorUrl !== undefined) return { url, monitorUrl };
    } catch {
      // Not there yet.
    }
    if (Date.now() > deadline) throw startupError(`no ports file ${path} after ${timeoutMs} ms`, logs);
    await sleep(20);
  }
}

export async function waitForHealthz(monitorUrl: string, server: ServerProcess, logs: LogBuffer, timeoutMs = STARTUP_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    await failIfExited(server, logs);
    try {
      // /healthz answers 200 only once JetStream (when enabled) is ready too.
      const response = await fetch(`${monitorUrl}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 200) return;
      last = `HTTP ${response.status}: ${await response.text()}`;
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) throw startupError(`/healthz not ready after ${timeoutMs} ms (${last})`, logs);
    await sleep(20);
  }
}

async function failIfExited(server: ServerProcess, logs: LogBuffer): Promise<void> {
  if (server.exitStatus() !== undefined) {
    const status = await server.exited; // lets the last log lines (the reason) arrive
    throw startupError(`exited during startup (code ${status.code}, signal ${status.signal})`, logs);
  }
}

function startupError(reason: string, logs: LogBuffer): Error {
  return new Error(`nats-server ${reason}; its log:\n${logs.text()}`);
}

function firstString(value: unknown): string | undefined {
  return Array.isArray(value) && typeof value[0] === "string" ? value[0] : undefined;
}
