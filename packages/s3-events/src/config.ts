/**
 * The S3-compatible server (MinIO) whose buckets S3 event source mappings bind, read from the
 * service's environment by its loadConfig through `readS3SourceConfig(reader)`:
 *
 * | Variable | Default | Meaning |
 * | --- | --- | --- |
 * | `FNMESH_S3_ENDPOINT` | unset: S3 mappings are not bound | `http(s)://host:port` of the S3 API |
 * | `FNMESH_S3_ACCESS_KEY`, `FNMESH_S3_SECRET_KEY` | — | required with the endpoint; may read and write bucket notification configs |
 * | `FNMESH_S3_REGION` | `us-east-1` | the region the client signs for |
 * | `FNMESH_S3_TARGET_ARN` | `arn:minio:sqs::FNMESH:nats` | the notification target buckets are bound to (infra/compose.yaml defines `FNMESH`) |
 */
import type { EnvReader } from "@fnmesh/service-kit";

/** The NATS target infra/compose.yaml gives MinIO (`MINIO_NOTIFY_NATS_*_FNMESH`). */
export const DEFAULT_TARGET_ARN = "arn:minio:sqs::FNMESH:nats";

export interface S3SourceConfig {
  endPoint: string;
  port: number;
  useSSL: boolean;
  accessKey: string;
  secretKey: string;
  region: string;
  /** The queue ARN buckets are bound to (`arn:minio:sqs::<id>:<type>`). */
  targetArn: string;
}

/** undefined when FNMESH_S3_ENDPOINT is unset; adds every problem to the reader. */
export function readS3SourceConfig(r: EnvReader): S3SourceConfig | undefined {
  const endpoint = r.optional("FNMESH_S3_ENDPOINT");
  const accessKey = r.optional("FNMESH_S3_ACCESS_KEY");
  const secretKey = r.optional("FNMESH_S3_SECRET_KEY");
  const region = r.string("FNMESH_S3_REGION", "us-east-1");
  const targetArn = r.string("FNMESH_S3_TARGET_ARN", DEFAULT_TARGET_ARN);
  if (!/^arn:[^:]+:sqs:[^:]*:[^:]+:[^:]+$/.test(targetArn)) {
    r.problems.push(`FNMESH_S3_TARGET_ARN must be a notification target ARN like ${DEFAULT_TARGET_ARN}, got ${JSON.stringify(targetArn)}`);
  }
  if (endpoint === undefined) {
    if (accessKey !== undefined || secretKey !== undefined) r.problems.push("FNMESH_S3_ACCESS_KEY/FNMESH_S3_SECRET_KEY are set but FNMESH_S3_ENDPOINT is not (S3 buckets cannot be bound without it)");
    return undefined;
  }
  // Both keys: bucket notification configs need an identity allowed to read and write them.
  if (!accessKey || !secretKey) r.problems.push("FNMESH_S3_ENDPOINT needs FNMESH_S3_ACCESS_KEY and FNMESH_S3_SECRET_KEY");
  let url: URL | undefined;
  try {
    url = new URL(endpoint);
    if (url.protocol !== "http:" && url.protocol !== "https:") r.problems.push(`FNMESH_S3_ENDPOINT must use http: or https:, got ${url.protocol}`);
    else if (url.pathname !== "/" && url.pathname !== "") r.problems.push(`FNMESH_S3_ENDPOINT must have no path (path-style buckets go after it), got ${JSON.stringify(endpoint)}`);
  } catch {
    r.problems.push(`FNMESH_S3_ENDPOINT is not a URL: ${JSON.stringify(endpoint)}`);
  }
  if (!url) return undefined;
  const useSSL = url.protocol === "https:";
  return {
    endPoint: url.hostname.replace(/^\[(.*)\]$/, "$1"), port: url.port ? Number(url.port) : useSSL ? 443 : 80, useSSL,
    accessKey: accessKey ?? "", secretKey: secretKey ?? "", region, targetArn,
  };
}
