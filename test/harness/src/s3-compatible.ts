import { createRequire } from "node:module";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { harnessEnv } from "./env.ts";
import { LogBuffer } from "./log-buffer.ts";
import { makeTempDir } from "./temp-dir.ts";
import type { S3CompatibleOptions, S3CompatibleServer } from "./types.ts";

/** The parts of @20minutes/s3rver this uses (the package ships no types). */
interface S3rver {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
  httpServer?: Server;
  /** Koa's middleware list, composed when the server starts. */
  middleware: Array<(ctx: { path: string; headers: object }, next: () => Promise<void>) => Promise<void>>;
}
interface CanonicalRequest { uri: string; headers: object }
interface SignatureV4 { getStringToSign(canonical: CanonicalRequest, request: unknown): string }
type S3rverClass = new (options: {
  address: string; port: number; silent: boolean; directory: string; resetOnClose: boolean;
  configureBuckets: Array<{ name: string }>;
}) => S3rver;

/** s3rver's one built-in key pair: requests signed with anything else are refused (SigV4 checked). */
const ACCESS_KEY_ID = "S3RVER";
const SECRET_ACCESS_KEY = "S3RVER";

/**
 * A real S3 HTTP endpoint in this process: `@20minutes/s3rver` (the maintained fork of `s3rver`,
 * an S3 server in Node that checks SigV4 signatures and stores objects on disk), on a free port of
 * 127.0.0.1, its files in a private temp dir. For tests where code (e.g. the AWS SDK inside a
 * function) must talk S3 to something real. It is not MinIO (which has no npm or Debian package):
 * no bucket notifications. Address it path-style (`forcePathStyle: true`).
 */
export async function startS3Compatible(options: S3CompatibleOptions = {}): Promise<S3CompatibleServer> {
  const env = harnessEnv();
  const dir = await makeTempDir("s3", env.keep);
  const log = new LogBuffer({ echo: env.debug });
  const require = createRequire(import.meta.url);
  const S3rver = require("@20minutes/s3rver") as S3rverClass;
  keepTrailingSlashInCanonicalUri(require("@20minutes/s3rver/lib/signature/v4.js") as SignatureV4);
  const server = new S3rver({
    address: "127.0.0.1", port: 0, silent: true, directory: dir.path, resetOnClose: false,
    configureBuckets: (options.buckets ?? []).map((name) => ({ name })),
  });
  server.middleware.unshift((ctx, next) => {
    requestPaths.set(ctx.headers, ctx.path);
    return next();
  });
  let address: AddressInfo;
  try {
    address = await server.run();
  } catch (error) {
    await dir.remove();
    throw error;
  }
  // s3rver's own logger is silenced (it writes to the console); the harness keeps one line per request.
  server.httpServer?.on("request", (req, res) => {
    res.on("finish", () => log.append(`${req.method} ${req.url} ${res.statusCode}\n`));
  });
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (async () => {
    server.httpServer?.closeAllConnections();
    await server.close();
    await dir.remove();
  })());
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    region: "us-east-1",
    accessKeyId: ACCESS_KEY_ID,
    secretAccessKey: SECRET_ACCESS_KEY,
    logs: () => log.text(),
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** The path each request was sent to, by its headers object (the one s3rver hands the signer). */
const requestPaths = new WeakMap<object, string>();
const patched = new WeakSet<SignatureV4>();

/**
 * s3rver's one SigV4 bug that the SDK v3 meets: for a bucket-level request in path style the SDK
 * sends and signs `/<bucket>/` (e.g. `GET /b/?list-type=2` for ListObjectsV2), and SigV4's
 * canonical URI is the path as sent, but s3rver canonicalizes `/<bucket>`, so every such call is
 * `SignatureDoesNotMatch`. This restores the trailing slash the request had; signatures are still
 * checked, and other requests are canonicalized as s3rver does.
 */
function keepTrailingSlashInCanonicalUri(v4: SignatureV4): void {
  if (patched.has(v4)) return;
  patched.add(v4);
  const original = v4.getStringToSign.bind(v4);
  v4.getStringToSign = (canonical, request) => {
    const sent = requestPaths.get(canonical.headers);
    const uri = sent?.endsWith("/") && !canonical.uri.endsWith("/") ? `${canonical.uri}/` : canonical.uri;
    return original({ ...canonical, uri }, request);
  };
}
