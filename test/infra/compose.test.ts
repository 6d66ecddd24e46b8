/**
 * infra/compose.yaml, checked without a Docker engine (none where fnmesh is tested): the Compose
 * Specification's schema, the variables each fnmesh service is given against what its own code
 * reads, the Dockerfile's stages and files, and what issue 15 item 6 asks of the stack. Each check
 * is also run on a broken copy, to show it can fail.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { REQUIRED_MAX_PAYLOAD } from "@fnmesh/service-kit";
import { DEV_ACCESS_KEY_ID, DEV_SECRET_ACCESS_KEY } from "../../services/ingest/src/config.ts";
import { COMPOSE_PATH, interpolate, parseCompose, ROOT, schemaProblems, type ComposeFile } from "./compose-file.ts";
import { dockerfileProblems, envProblems, stackProblems, type StackFacts } from "./compose-checks.ts";
import { parseDockerfile } from "./dockerfile.ts";

const composeText = readFileSync(COMPOSE_PATH, "utf8");
const DOCKERFILE_PATH = resolve(ROOT, "infra/Dockerfile");
const dockerfileText = readFileSync(DOCKERFILE_PATH, "utf8");
const facts: StackFacts = {
  natsConf: readFileSync(resolve(ROOT, "infra/nats.conf"), "utf8"),
  requiredMaxPayload: REQUIRED_MAX_PAYLOAD,
  devCredentials: { accessKeyId: DEV_ACCESS_KEY_ID, secretAccessKey: DEV_SECRET_ACCESS_KEY },
};

/** A fresh copy of the compose file to break. */
function composeCopy(): ComposeFile {
  return parseCompose(composeText);
}

function dockerfileChecks(doc: ComposeFile, text = dockerfileText): string[] {
  return dockerfileProblems(doc, parseDockerfile(text), DOCKERFILE_PATH, ROOT);
}

test("compose.yaml is valid under the Compose Specification's schema", () => {
  assert.deepEqual(schemaProblems(composeCopy()), []);
});

test("the schema check fails on an invalid file", () => {
  const doc = composeCopy() as unknown as { services: Record<string, Record<string, unknown>> };
  const ingest = doc.services.ingest;
  assert.ok(ingest);
  ingest.ports = "8080";
  ingest.helthcheck = ingest.healthcheck;
  const problems = schemaProblems(doc);
  assert.ok(problems.some((p) => p.startsWith("/services/ingest/ports must be array")), problems.join("\n"));
  assert.ok(problems.some((p) => p.includes("additional properties") && p.includes("helthcheck")), problems.join("\n"));
});

test("every variable compose sets on an fnmesh service is one it reads, with a value it accepts", async () => {
  assert.deepEqual(await envProblems(composeCopy()), []);
});

test("the variable check fails on a variable nobody reads, a misplaced one and a bad value", async () => {
  const doc = composeCopy();
  const env = (name: string) => {
    const e = doc.services[name]?.environment;
    assert.ok(e && !Array.isArray(e), `${name} has an environment map`);
    return e;
  };
  env("trigger").FNMESH_TRIGGER_TYPO = "1";
  env("scheduler").DATABASE_URL = "postgres://postgres@postgres:5432/fnmesh";
  env("ingest").FNMESH_HTTP_PORT = "eighty";
  env("migrate").NATS_URL = "nats://nats:4222";
  const problems = await envProblems(doc);
  assert.deepEqual(problems.filter((p) => !p.includes("rejects")).sort(), [
    "migrate: sets NATS_URL, which scripts/migrate.ts never reads",
    "scheduler: sets DATABASE_URL, which services/scheduler/src/config.ts never reads",
    "trigger: sets FNMESH_TRIGGER_TYPO, which services/trigger/src/config.ts never reads",
  ]);
  assert.ok(problems.some((p) => p.startsWith("ingest: services/ingest/src/config.ts rejects") && p.includes("FNMESH_HTTP_PORT")), problems.join("\n"));
});

test("the Dockerfile has the stages, files, Node 24 bases and non-root user compose relies on", () => {
  assert.deepEqual(dockerfileChecks(composeCopy()), []);
  const stages = parseDockerfile(dockerfileText).stages.map((s) => s.name);
  assert.deepEqual(stages, ["manifests", "deps", "runtime"]);
});

test("the Dockerfile check fails on a missing target, a dangling COPY --from, a root user and an uncopied script", () => {
  const doc = composeCopy();
  const build = doc.services.executor?.build;
  assert.ok(build && typeof build === "object");
  build.target = "production";
  const broken = dockerfileText
    .replace("COPY --from=manifests /app ./", "COPY --from=manifest /app ./")
    .replace("USER node", "USER root")
    .replace("COPY scripts/healthcheck.ts ./scripts/healthcheck.ts\n", "")
    .replace("ARG NODE_IMAGE=node:24-bookworm-slim", "ARG NODE_IMAGE=node:22-bookworm-slim");
  const problems = dockerfileChecks(doc, broken);
  for (const expected of [
    'executor: build target "production" is no stage of the Dockerfile (stages: manifests, deps, runtime)',
    "Dockerfile deps: COPY --from=manifest names no earlier stage",
    "ingest: runs as root; the image must run as a non-root user",
    "scheduler: runs scripts/healthcheck.ts, which the runtime stage does not copy to the same path",
    'Dockerfile manifests: base image "node:22-bookworm-slim" is not Node 24',
  ]) assert.ok(problems.includes(expected), `missing ${JSON.stringify(expected)} in:\n${problems.join("\n")}`);
});

test("the stack: NATS with JetStream and 8 MB payloads, PostgreSQL with logical WAL, MinIO's NATS target, start order, the quickstart's port and credentials", () => {
  assert.deepEqual(stackProblems(composeCopy(), facts), []);
});

test("the stack check fails on each broken requirement", () => {
  const doc = composeCopy();
  const s = doc.services;
  const envOf = (name: string) => {
    const e = s[name]?.environment;
    assert.ok(e && !Array.isArray(e));
    return e;
  };
  s.postgres!.command = ["postgres"];
  s.minio!.image = "quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z";
  delete envOf("minio").MINIO_NOTIFY_NATS_QUEUE_DIR_FNMESH;
  envOf("minio").MINIO_NOTIFY_NATS_JETSTREAM_FNMESH = "off";
  delete s.trigger!.healthcheck;
  s.executor!.command = ["node", "services/executor/src/main.ts"];
  envOf("ingest").FNMESH_SECRET_ACCESS_KEY = "${FNMESH_SECRET_ACCESS_KEY:-something-else}";
  s.ingest!.ports = ["127.0.0.1:8081:8080"];
  delete (s.ingest!.depends_on as Record<string, unknown>).migrate;
  const problems = stackProblems(doc, { ...facts, natsConf: facts.natsConf.replace(/max_payload: \d+/, "max_payload: 1MB") });
  for (const expected of [
    `nats.conf: max_payload 1048576 is below the ${REQUIRED_MAX_PAYLOAD} bytes fnmesh needs`,
    "postgres: wal_level=logical is not set",
    "minio: image quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z is not pinned by digest",
    "minio: target FNMESH is not in JetStream mode",
    "minio: target FNMESH has no absolute queue dir (events would be lost while NATS is away)",
    "ingest: waits for trigger to be healthy, but trigger has no health check",
    "trigger: no health check",
    "executor: isolated-vm needs node --no-node-snapshot",
    "ingest: does not wait for migrate to complete",
    "ingest: port 8080 (the README's endpoint) is not published to its port 8080",
    "ingest: credentials fnmesh/something-else are not the README quickstart's fnmesh/fnmesh-dev-secret",
  ]) assert.ok(problems.includes(expected), `missing ${JSON.stringify(expected)} in:\n${problems.join("\n")}`);
});

test("interpolation gives compose's defaults when the shell sets nothing", () => {
  assert.equal(interpolate("${A:-x}/${B-y}/${C}/$D/$$E"), "x/y///$E");
});
