import { requireContainerRuntime, startNatsContainer } from "./containers.ts";
import { harnessEnv } from "./env.ts";
import { startLocalNatsCluster } from "./nats-cluster.ts";
import { startLocalNats } from "./nats-local.ts";
import type { NatsCluster, NatsOptions, NatsServer } from "./types.ts";

/**
 * Starts a NATS server (JetStream on, 8 MB max payload) for a test, in this order of preference:
 * the server at FNMESH_TEST_NATS_URL (reused, never stopped); a container when
 * FNMESH_TEST_CONTAINERS=1 (unless `dir` is given; an error without a container engine); the local
 * nats-server binary.
 */
export async function startNats(options: NatsOptions & { cluster: number }): Promise<NatsCluster>;
export async function startNats(options?: NatsOptions): Promise<NatsServer>;
export async function startNats(options: NatsOptions = {}): Promise<NatsServer> {
  const env = harnessEnv();
  const jetstream = options.jetstream ?? true;
  const debug = options.debug === true || env.debug;
  if (options.cluster !== undefined) {
    const size = options.cluster;
    if (!Number.isInteger(size) || size < 2 || size > 9) throw new Error(`startNats: cluster must be an integer in 2..9, got ${size}`);
    if (options.dir !== undefined || options.port !== undefined) throw new Error("startNats: cluster cannot be combined with dir or port");
    // Its own local servers even where FNMESH_TEST_NATS_URL / FNMESH_TEST_CONTAINERS are set: the
    // tests that want a cluster stop and restart its nodes.
    return startLocalNatsCluster({ size, jetstream, debug, keep: env.keep });
  }
  if (env.natsUrl !== undefined) return reuseNats(env.natsUrl);
  if (env.containers && options.dir === undefined) {
    await requireContainerRuntime();
    return startNatsContainer({ jetstream, port: options.port, debug });
  }
  return startLocalNats({ jetstream, dir: options.dir, port: options.port, debug, keep: env.keep });
}

function reuseNats(url: string): NatsServer {
  let port: number;
  try {
    const parsed = new URL(url);
    port = parsed.port === "" ? 4222 : Number(parsed.port);
  } catch {
    throw new Error(`FNMESH_TEST_NATS_URL ${JSON.stringify(url)} is not a URL (expected nats://host:port)`);
  }
  const stop = async (): Promise<void> => {};
  return {
    url,
    port,
    monitorUrl: undefined,
    dir: undefined,
    logs: () => `(no logs: reused server at ${url} from FNMESH_TEST_NATS_URL)\n`,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}
