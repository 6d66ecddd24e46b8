import { test } from "node:test";
import assert from "node:assert/strict";
import { EnvReader } from "@fnmesh/service-kit";
import { DEFAULT_TARGET_ARN, readS3SourceConfig } from "./config.ts";

const read = (env: Record<string, string>) => {
  const r = new EnvReader(env);
  return { config: readS3SourceConfig(r), problems: r.problems };
};

test("no endpoint: no S3 server, no problems; the compose stack's settings parse", () => {
  assert.deepEqual(read({}), { config: undefined, problems: [] });
  assert.deepEqual(read({ FNMESH_S3_ENDPOINT: "http://minio:9000", FNMESH_S3_ACCESS_KEY: "fnmesh", FNMESH_S3_SECRET_KEY: "fnmesh-dev-secret" }), {
    config: { endPoint: "minio", port: 9000, useSSL: false, accessKey: "fnmesh", secretKey: "fnmesh-dev-secret", region: "us-east-1", targetArn: DEFAULT_TARGET_ARN },
    problems: [],
  });
  const tls = read({ FNMESH_S3_ENDPOINT: "https://s3.example.com", FNMESH_S3_ACCESS_KEY: "a", FNMESH_S3_SECRET_KEY: "b", FNMESH_S3_REGION: "eu-west-1", FNMESH_S3_TARGET_ARN: "arn:minio:sqs::FNMESH:webhook" });
  assert.deepEqual(tls.config, { endPoint: "s3.example.com", port: 443, useSSL: true, accessKey: "a", secretKey: "b", region: "eu-west-1", targetArn: "arn:minio:sqs::FNMESH:webhook" });
  assert.equal(read({ FNMESH_S3_ENDPOINT: "http://[::1]:9000", FNMESH_S3_ACCESS_KEY: "a", FNMESH_S3_SECRET_KEY: "b" }).config?.endPoint, "::1");
});

test("every problem is reported: keys without endpoint, endpoint without keys, bad URLs, paths, ARNs", () => {
  assert.match(read({ FNMESH_S3_ACCESS_KEY: "a" }).problems.join("\n"), /FNMESH_S3_ENDPOINT is not/);
  assert.match(read({ FNMESH_S3_ENDPOINT: "http://minio:9000" }).problems.join("\n"), /needs FNMESH_S3_ACCESS_KEY and FNMESH_S3_SECRET_KEY/);
  assert.match(read({ FNMESH_S3_ENDPOINT: "minio:9000", FNMESH_S3_ACCESS_KEY: "a", FNMESH_S3_SECRET_KEY: "b" }).problems.join("\n"), /must use http: or https:/);
  assert.match(read({ FNMESH_S3_ENDPOINT: "not a url", FNMESH_S3_ACCESS_KEY: "a", FNMESH_S3_SECRET_KEY: "b" }).problems.join("\n"), /not a URL/);
  assert.match(read({ FNMESH_S3_ENDPOINT: "http://minio:9000/bucket", FNMESH_S3_ACCESS_KEY: "a", FNMESH_S3_SECRET_KEY: "b" }).problems.join("\n"), /must have no path/);
  const both = read({ FNMESH_S3_ENDPOINT: "http://minio:9000", FNMESH_S3_TARGET_ARN: "FNMESH" });
  assert.equal(both.problems.length, 2, both.problems.join("\n"));
  assert.match(both.problems.join("\n"), /FNMESH_S3_TARGET_ARN must be a notification target ARN/);
});
