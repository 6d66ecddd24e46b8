import { EnvReader, readCommonConfig, type CommonConfig, type Env } from "@fnmesh/service-kit";

export interface IngestConfig extends CommonConfig {
  databaseUrl: string;
  host: string;
  port: number;
  region: string;
  accountId: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  defaultRole: string;
  /** Deploy work (body parsing, unzip, esbuild) on worker threads: jobs at once, and jobs waiting before 429. */
  deploy: { concurrency: number; queueDepth: number };
  /** FNMESH_S3_WEBHOOK_TOKEN: the bearer token of POST /fnmesh/s3-notifications; unset, the endpoint does not exist. */
  s3WebhookToken?: string;
}

/** Development credentials; README tells users to override them anywhere reachable by others. */
export const DEV_ACCESS_KEY_ID = "fnmesh";
export const DEV_SECRET_ACCESS_KEY = "fnmesh-dev-secret";

/** Pure: reads FNMESH_* variables, reports every problem at once. */
export function loadConfig(env: Env): IngestConfig {
  const r = new EnvReader(env);
  const accountId = r.string("FNMESH_ACCOUNT_ID", "000000000000");
  if (!/^\d{12}$/.test(accountId)) r.problems.push(`FNMESH_ACCOUNT_ID must be 12 digits (it appears in ARNs), got ${JSON.stringify(accountId)}`);
  const region = r.string("FNMESH_REGION", "us-east-1");
  if (!/^[a-z0-9-]+$/.test(region)) r.problems.push(`FNMESH_REGION must look like an AWS region name, got ${JSON.stringify(region)}`);
  const accessKeyId = r.string("FNMESH_ACCESS_KEY_ID", DEV_ACCESS_KEY_ID);
  const secretAccessKey = r.string("FNMESH_SECRET_ACCESS_KEY", DEV_SECRET_ACCESS_KEY);
  // Both or neither: a lone override usually means a typo in the other variable's name.
  if ((accessKeyId === DEV_ACCESS_KEY_ID) !== (secretAccessKey === DEV_SECRET_ACCESS_KEY)) {
    r.problems.push("set FNMESH_ACCESS_KEY_ID and FNMESH_SECRET_ACCESS_KEY together (one is still the development default)");
  }
  const s3WebhookToken = r.optional("FNMESH_S3_WEBHOOK_TOKEN");
  // Anyone holding it can start functions with forged notifications: no short, guessable tokens.
  if (s3WebhookToken !== undefined && !/^\S{16,}$/.test(s3WebhookToken)) {
    r.problems.push("FNMESH_S3_WEBHOOK_TOKEN must be at least 16 characters without spaces (e.g. `openssl rand -hex 32`)");
  }
  const config: IngestConfig = {
    ...readCommonConfig(r),
    databaseUrl: r.url("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/fnmesh", ["postgres:", "postgresql:"]),
    host: r.string("FNMESH_HTTP_HOST", "127.0.0.1"),
    port: r.int("FNMESH_HTTP_PORT", 8080, 0, 65535),
    region,
    accountId,
    credentials: { accessKeyId, secretAccessKey },
    defaultRole: r.string("FNMESH_DEFAULT_ROLE", `arn:aws:iam::${accountId}:role/fnmesh-function`),
    deploy: {
      concurrency: r.int("FNMESH_DEPLOY_CONCURRENCY", 2, 1, 64),
      queueDepth: r.int("FNMESH_DEPLOY_QUEUE_DEPTH", 8, 0, 1024),
    },
    ...(s3WebhookToken !== undefined ? { s3WebhookToken } : {}),
  };
  r.done("ingest");
  return config;
}
