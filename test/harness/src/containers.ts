/**
 * The container path, used only when asked (FNMESH_TEST_CONTAINERS=1): servers run from pinned
 * images instead of local binaries (testcontainers' Ryuk sidecar removes them even if this process
 * is killed). It needs a container engine and access to the images' registry (Docker Hub). The
 * testcontainers module is loaded only when first needed: it takes ~0.3 s to import.
 */
import type { StartedTestContainer } from "testcontainers";
import { LogBuffer } from "./log-buffer.ts";
import { NATS_MAX_PAYLOAD_BYTES } from "./nats-local.ts";
import { NON_DURABLE_SETTINGS, POSTGRES_SETTINGS } from "./postgres-local.ts";
import { waitForPostgres } from "./pg-ready.ts";
import type { NatsServer } from "./types.ts";
import type { RawPostgres } from "./test-databases.ts";

/** The version Debian bookworm ships, which fnmesh must support: the same server as the local path. */
export const NATS_IMAGE = "nats:2.9.10";
/** The major version Debian bookworm ships. */
export const POSTGRES_IMAGE = "postgres:15";

export type ContainerRuntime = { available: true } | { available: false; reason: string };

let runtime: Promise<ContainerRuntime> | undefined;

/** Whether a container engine answers, and if not why; checked once per process (~2 ms without one). */
export function containerRuntime(): Promise<ContainerRuntime> {
  runtime ??= import("testcontainers")
    .then((testcontainers) => testcontainers.getContainerRuntimeClient())
    .then(
      (): ContainerRuntime => ({ available: true }),
      (error: unknown): ContainerRuntime => ({
        available: false,
        reason: error instanceof Error ? error.message : String(error),
      }),
    );
  return runtime;
}

/** Throws, naming the switch, when containers were asked for and no engine answers: never a silent fallback. */
export async function requireContainerRuntime(): Promise<void> {
  const found = await containerRuntime();
  if (!found.available) {
    throw new Error(
      `FNMESH_TEST_CONTAINERS=1 asks for servers in containers, but no container engine answers ` +
        `(${found.reason}): start Docker (or another engine testcontainers supports), or unset ` +
        `FNMESH_TEST_CONTAINERS to use the local nats-server and PostgreSQL binaries`,
    );
  }
}

export async function startNatsContainer(options: {
  jetstream: boolean;
  port: number | undefined;
  debug: boolean;
}): Promise<NatsServer> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const logs = new LogBuffer({ echo: options.debug });
  // nats-server has no command-line flag for max_payload, so the container gets a config file.
  const config = [
    "port: 4222",
    'http: "0.0.0.0:8222"',
    `max_payload: ${NATS_MAX_PAYLOAD_BYTES}`,
    ...(options.jetstream ? ["jetstream {", '  store_dir: "/data"', "}"] : []),
  ].join("\n");
  const container = await new GenericContainer(NATS_IMAGE)
    .withCopyContentToContainer([{ content: config, target: "/etc/fnmesh/nats-server.conf" }])
    .withCommand(["-c", "/etc/fnmesh/nats-server.conf"])
    .withExposedPorts(options.port === undefined ? 4222 : { container: 4222, host: options.port }, 8222)
    .withWaitStrategy(Wait.forHttp("/healthz", 8222).forStatusCode(200))
    .withLogConsumer((stream) => stream.on("data", (chunk: Buffer | string) => logs.append(chunk)))
    .start();
  const host = container.getHost();
  const port = container.getMappedPort(4222);
  const stop = stopOnce(container);
  return {
    url: `nats://${host}:${port}`,
    port,
    monitorUrl: `http://${host}:${container.getMappedPort(8222)}`,
    dir: undefined,
    logs: () => logs.text(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

export async function startPostgresContainer(options: {
  port: number | undefined;
  debug: boolean;
}): Promise<RawPostgres> {
  const { GenericContainer, Wait } = await import("testcontainers");
  const logs = new LogBuffer({ echo: options.debug });
  const container = await new GenericContainer(POSTGRES_IMAGE)
    .withEnvironment({ POSTGRES_HOST_AUTH_METHOD: "trust" })
    .withCommand(["postgres", ...[...POSTGRES_SETTINGS, ...NON_DURABLE_SETTINGS].flatMap((setting) => ["-c", setting])])
    .withExposedPorts(options.port === undefined ? 5432 : { container: 5432, host: options.port })
    // Throwaway data: keep it in memory.
    .withTmpFs({ "/var/lib/postgresql/data": "rw" })
    // The image's entrypoint runs a temporary server for initialisation first, hence 2 messages.
    .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2))
    .withLogConsumer((stream) => stream.on("data", (chunk: Buffer | string) => logs.append(chunk)))
    .start();
  const host = container.getHost();
  const port = container.getMappedPort(5432);
  const url = `postgres://postgres@${host}:${port}/postgres`;
  const stop = stopOnce(container);
  try {
    await waitForPostgres(url, { timeoutMs: 30_000 });
  } catch (error) {
    await stop();
    throw new Error(`${error instanceof Error ? error.message : String(error)}; its log:\n${logs.text()}`);
  }
  return { url, host, port, dir: undefined, logs: () => logs.text(), stop, throwaway: true };
}

function stopOnce(container: StartedTestContainer): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => (stopping ??= container.stop().then(() => undefined));
}
