import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { findBinary } from "./find-binary.ts";
import { freePort } from "./free-port.ts";
import { LogBuffer } from "./log-buffer.ts";
import { NATS_MAX_PAYLOAD_BYTES, waitForHealthz, waitForPortsFile } from "./nats-local.ts";
import { spawnServer, type ServerProcess } from "./process.ts";
import { makeTempDir } from "./temp-dir.ts";
import type { NatsCluster, NatsClusterNode } from "./types.ts";

/** A loaded 2-core machine starting several servers that must first find each other. */
const CLUSTER_STARTUP_TIMEOUT_MS = 60_000;
/** Another process may take a cluster port between freePort() and the bind: start again this often. */
const PORT_ATTEMPTS = 3;

export interface LocalNatsClusterOptions {
  size: number;
  jetstream: boolean;
  debug: boolean;
  keep: boolean;
}

/**
 * Starts `size` nats-server processes routed to each other as one cluster (JetStream clustered when
 * on). Client and monitoring ports are chosen by the servers (`-1`) and read from each node's ports
 * file; routes need their ports known up front, so those are picked free here (retried if taken
 * before the bind). Resolves once every node's /healthz answers 200 and, with JetStream, every node
 * names the same meta leader and that leader sees every peer current.
 */
export async function startLocalNatsCluster(options: LocalNatsClusterOptions): Promise<NatsCluster> {
  const binary = await findBinary(["nats-server", "/usr/sbin/nats-server"]);
  if (binary === undefined) {
    throw new Error("nats-server not found on PATH or at /usr/sbin/nats-server: install Debian package nats-server (or run scripts/setup.sh)");
  }
  for (let attempt = 1; ; attempt++) {
    const temp = await makeTempDir("natscluster", options.keep);
    const nodes = await Promise.all(
      Array.from({ length: options.size }, (_, i) => freePort().then((routePort) => ({ name: `n${i + 1}`, routePort }))),
    ).then((specs) => specs.map((spec) => new LocalNode({ ...spec, binary, dir: join(temp.path, spec.name), peers: specs.map((s) => s.routePort), ...options })));
    for (const node of nodes) node.cluster = nodes;
    try {
      await Promise.all(nodes.map((node) => node.start()));
      if (options.jetstream) await waitForMetaLeader(nodes);
    } catch (error) {
      await Promise.all(nodes.map((node) => node.stop()));
      await temp.remove();
      const portTaken = nodes.some((node) => /address already in use/i.test(node.logs()));
      if (portTaken && attempt < PORT_ATTEMPTS) continue;
      throw error;
    }
    let stopping: Promise<void> | undefined;
    const stop = (): Promise<void> =>
      (stopping ??= (async () => {
        await Promise.all(nodes.map((node) => node.stop()));
        await temp.remove();
      })());
    const first = nodes[0];
    if (first === undefined) throw new Error("a cluster needs at least one node");
    return {
      url: nodes.map((node) => node.url).join(","),
      port: first.port,
      monitorUrl: first.monitorUrl,
      dir: temp.path,
      nodes,
      logs: () => nodes.map((node) => `=== ${node.name} ===\n${node.logs()}`).join(""),
      stop,
      [Symbol.asyncDispose]: stop,
    };
  }
}

class LocalNode implements NatsClusterNode {
  readonly name: string;
  readonly dir: string;
  readonly #binary: string;
  readonly #routePort: number;
  readonly #peers: number[];
  readonly #jetstream: boolean;
  readonly #logs: LogBuffer;
  #server: ServerProcess | undefined;
  #clientPort = -1;
  #monitorUrl = "";
  #busy: Promise<void> = Promise.resolve();
  /** All nodes of its cluster, itself included: a restarted node waits until the cluster agrees again. */
  cluster: readonly LocalNode[] = [];

  constructor(options: { name: string; binary: string; dir: string; routePort: number; peers: number[]; jetstream: boolean; debug: boolean }) {
    this.name = options.name;
    this.dir = options.dir;
    this.#binary = options.binary;
    this.#routePort = options.routePort;
    this.#peers = options.peers;
    this.#jetstream = options.jetstream;
    this.#logs = new LogBuffer({ echo: options.debug });
  }

  get url(): string {
    return `nats://127.0.0.1:${this.#clientPort}`;
  }

  get port(): number {
    return this.#clientPort;
  }

  get monitorUrl(): string {
    return this.#monitorUrl;
  }

  running(): boolean {
    return this.#server !== undefined && this.#server.exitStatus() === undefined;
  }

  logs(): string {
    return this.#logs.text();
  }

  start(): Promise<void> {
    return this.#serially(async () => {
      if (this.running()) return;
      await mkdir(this.dir, { recursive: true });
      const configPath = join(this.dir, "nats-server.conf");
      await writeFile(configPath, this.#config());
      const restart = this.#clientPort !== -1;
      if (restart) this.#logs.append(`[harness] restarting ${this.name}\n`);
      const server = await spawnServer({
        name: `nats-server ${this.name}`, command: this.#binary, args: ["-c", configPath],
        logs: this.#logs, stopSignal: "SIGTERM", exitSignal: "SIGKILL",
      });
      this.#server = server;
      try {
        const ports = await waitForPortsFile(this.dir, server, this.#logs, CLUSTER_STARTUP_TIMEOUT_MS);
        // Kept for restarts: clients hold the cluster's URL list and reconnect to the same ports.
        this.#clientPort = Number(new URL(ports.url).port);
        this.#monitorUrl = ports.monitorUrl;
        await waitForHealthz(ports.monitorUrl, server, this.#logs, CLUSTER_STARTUP_TIMEOUT_MS);
        // The first start waits for the leader once every node is up (startLocalNatsCluster).
        if (restart && this.#jetstream) await waitForMetaLeader(this.cluster.filter((node) => node.running()));
      } catch (error) {
        await server.stop();
        this.#server = undefined;
        throw error;
      }
    });
  }

  stop(): Promise<void> {
    return this.#serially(async () => {
      const server = this.#server;
      this.#server = undefined;
      await server?.stop();
    });
  }

  /** start() and stop() in call order, so a test's stop-then-start never races. */
  #serially(fn: () => Promise<void>): Promise<void> {
    const next = this.#busy.then(fn);
    this.#busy = next.catch(() => undefined);
    return next;
  }

  #config(): string {
    const routes = this.#peers.map((port) => `nats-route://127.0.0.1:${port}`);
    const lines = [
      `server_name: ${this.name}`,
      // -1 the first time; the same port after a restart.
      `port: ${this.#clientPort}`,
      `host: "127.0.0.1"`,
      `http: "127.0.0.1:-1"`,
      `ports_file_dir: ${JSON.stringify(this.dir)}`,
      `max_payload: ${NATS_MAX_PAYLOAD_BYTES}`,
      `cluster {`,
      `  name: fnmesh_test`,
      `  listen: "127.0.0.1:${this.#routePort}"`,
      // Its own address among the routes is recognised and skipped by the server.
      `  routes: [${routes.map((r) => JSON.stringify(r)).join(", ")}]`,
      `}`,
    ];
    if (this.#jetstream) lines.push(`jetstream {`, `  store_dir: ${JSON.stringify(join(this.dir, "js"))}`, `}`);
    return lines.join("\n") + "\n";
  }
}

interface Jsz {
  meta_cluster?: { leader?: string; cluster_size?: number; replicas?: { name: string; current: boolean; offline?: boolean }[] };
}

/**
 * Every node names the same JetStream meta leader, and that leader sees every other node as a
 * current peer: before that, creating a replicated stream can fail for want of peers.
 */
async function waitForMetaLeader(nodes: readonly LocalNode[]): Promise<void> {
  const deadline = Date.now() + CLUSTER_STARTUP_TIMEOUT_MS;
  let last = "";
  for (;;) {
    try {
      const views = await Promise.all(nodes.map(async (node) => {
        const response = await fetch(`${node.monitorUrl}/jsz`, { signal: AbortSignal.timeout(2_000) });
        return { node, jsz: (await response.json()) as Jsz };
      }));
      const leaders = new Set(views.map((view) => view.jsz.meta_cluster?.leader ?? ""));
      const [leader] = leaders;
      if (leaders.size === 1 && leader) {
        const leaderView = views.find((view) => view.node.name === leader);
        const current = new Set((leaderView?.jsz.meta_cluster?.replicas ?? []).filter((r) => r.current && r.offline !== true).map((r) => r.name));
        const missing = nodes.filter((node) => node.name !== leader && !current.has(node.name)).map((node) => node.name);
        if (leaderView !== undefined && missing.length === 0) return;
        last = leaderView === undefined ? `leader ${leader} is not a running node` : `leader ${leader} does not see ${missing.join(", ")} current`;
      } else {
        last = `meta leaders named: ${views.map((view) => `${view.node.name}→${view.jsz.meta_cluster?.leader ?? "none"}`).join(", ")}`;
      }
    } catch (error) {
      last = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      const logs = nodes.map((node) => `=== ${node.name} ===\n${node.logs()}`).join("");
      throw new Error(`nats cluster: no agreed JetStream meta leader after ${CLUSTER_STARTUP_TIMEOUT_MS} ms (${last}); logs:\n${logs}`);
    }
    await sleep(50);
  }
}
