/** The public handle and option types of the harness. */
export interface NatsOptions {
  /** Enable JetStream. Default true. */
  jetstream?: boolean;
  /**
   * Keep config, JetStream store and ports file here and never delete it (the dev runner's
   * persistent server). Default: a private temp dir, removed on stop. Implies local binaries.
   */
  dir?: string;
  /** Client port. Default: any free port. */
  port?: number;
  /** Stream the server's log to stderr (as FNMESH_TEST_DEBUG=1 does). */
  debug?: boolean;
  /**
   * Start this many nodes (2..9) routed as one cluster, JetStream clustered: see `NatsCluster`.
   * Always local binaries in a private temp dir (FNMESH_TEST_NATS_URL and FNMESH_TEST_CONTAINERS do
   * not apply: tests stop and restart single nodes); not combinable with `dir` or `port`.
   */
  cluster?: number;
}

/** A running NATS server (or a reused one, see FNMESH_TEST_NATS_URL). */
export interface NatsServer extends AsyncDisposable {
  /** Client URL, `nats://127.0.0.1:<port>`. */
  readonly url: string;
  readonly port: number;
  /** Monitoring base URL (`/varz`, `/jsz`, `/healthz`); undefined for a reused server. */
  readonly monitorUrl: string | undefined;
  /** The server's directory (config, JetStream store); undefined for a container or reused server. */
  readonly dir: string | undefined;
  /** The tail (64 KB) of the server's log. */
  logs(): string;
  /** Stops the server and removes its temp dir; idempotent; a no-op for a reused server. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * A local NATS cluster. As a `NatsServer`, `url` lists every node (`nats://…,nats://…`: clients given
 * all of them reconnect to another node when one stops), `port` and `monitorUrl` are the first
 * node's, `logs()` has every node's, and `stop()` stops them all and removes the temp dir.
 * Resolves started once every node's /healthz is 200 and, with JetStream, all nodes agree on a
 * meta leader that sees every peer current.
 */
export interface NatsCluster extends NatsServer {
  readonly monitorUrl: string;
  readonly dir: string;
  readonly nodes: readonly NatsClusterNode[];
}

/** One node of a `NatsCluster`, for failure tests. */
export interface NatsClusterNode {
  /** Its `server_name` (`n1`, `n2`, …), as JetStream names stream and meta leaders. */
  readonly name: string;
  /** `nats://127.0.0.1:<port>`; the port stays the same across restarts. */
  readonly url: string;
  readonly port: number;
  /** Monitoring base URL; changes on restart. */
  readonly monitorUrl: string;
  /** Its config, ports file and JetStream store (`<dir>/js/jetstream`), kept across restarts. */
  readonly dir: string;
  running(): boolean;
  /** This node's log tail, across restarts. */
  logs(): string;
  /** SIGTERM (a clean shutdown), waits for the exit; keeps its store. No-op when stopped. */
  stop(): Promise<void>;
  /**
   * Starts it again on the same client and route ports and the same store; resolves once its
   * /healthz is 200 and the running nodes agree on a meta leader again. No-op when running.
   */
  start(): Promise<void>;
}

/** Applies the schema to an empty database, e.g. `(url) => migrate({ connectionString: url })`. */
export type Migrate = (databaseUrl: string) => Promise<void>;

export interface PostgresOptions {
  /**
   * Data directory to create or reuse (initdb is skipped if it holds PG_VERSION), never deleted:
   * the dev runner's persistent server. Default: a private temp dir, removed on stop. Implies
   * local binaries.
   */
  dir?: string;
  /**
   * A directory at or above `dir` that was handed to fnmesh (the dev runner's FNMESH_DATA_DIR).
   * When the server runs as the `postgres` OS user (tests run as root), it and the directories
   * between it and `dir` get traverse-only permission (`o+x`) if they lack it, so a private
   * (0700) dir works. Directories above it are never changed: if one blocks, startup fails naming it.
   */
  traverseRoot?: string;
  /** TCP port on 127.0.0.1. Default: any free port. */
  port?: number;
  /**
   * Run once into a template database that `testDatabase()` clones. It must close every
   * connection it opens (a template cannot be cloned while in use). Without it, clones are empty.
   */
  migrate?: Migrate;
  /** Stream the server's log to stderr (as FNMESH_TEST_DEBUG=1 does). */
  debug?: boolean;
}

/** A running PostgreSQL server with `wal_level=logical` (or a reused one, see FNMESH_TEST_DATABASE_URL). */
export interface PostgresServer extends AsyncDisposable {
  /** Superuser URL to database `postgres`, e.g. `postgres://postgres@127.0.0.1:<port>/postgres`. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The data directory; undefined for a container or reused server. */
  readonly dir: string | undefined;
  /** The tail (64 KB) of the server's log. */
  logs(): string;
  /** A fresh database for one test: a clone of the migrated template, or empty without `migrate`. */
  testDatabase(): Promise<TestDatabase>;
  /**
   * Stops the server (fast shutdown) and removes its temp dir; idempotent. On a reused or persistent
   * server it instead drops the template and any test databases not yet disposed.
   */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

/** One test's database; disposing drops it, closing any connections still open to it. */
export interface TestDatabase extends AsyncDisposable {
  /** URL to this database, same server and user as `PostgresServer.url`. */
  readonly url: string;
  /** The database name, `t_<16 hex digits>`. */
  readonly name: string;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Options of `startS3Compatible`. */
export interface S3CompatibleOptions {
  /** Buckets to create before the server answers. */
  buckets?: readonly string[];
}

/** A running S3-compatible HTTP endpoint (see `startS3Compatible`). */
export interface S3CompatibleServer extends AsyncDisposable {
  /** `http://127.0.0.1:<port>`: give it to clients as the endpoint, path-style. */
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  /** The only credentials the server accepts; it checks each request's SigV4 signature. */
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** One line per request served (`METHOD url status`), the last 64 KB. */
  logs(): string;
  /** Stops the server and removes its files; idempotent. */
  stop(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}
