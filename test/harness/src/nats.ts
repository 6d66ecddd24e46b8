import { requireContainerRuntime, startNatsContainer } from "./containers.ts";
import { harnessEnv } from "./env.ts";
import { startLocalNats } from "./nats-local.ts";
import type { NatsOptions, NatsServer } from "./types.ts";

/**
 * Starts a NATS server (JetStream on, 8 MB max payload) for a test, in this order of preference:
 * the server at FNMESH_TEST_NATS_URL (reused, never stopped); a container when
 * FNMESH_TEST_CONTAINERS=1 (unless `dir` is given; an error without a container engine); the local
 * nats-server binary.
 */
export async function startNats(options: NatsOptions = {}): Promise<NatsServer> {
  const env = harnessEnv();
  const jetstream = options.jetstream ?? true;
  const debug = options.debug === true || env.debug;
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
