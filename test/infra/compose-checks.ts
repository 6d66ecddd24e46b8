/**
 * What test/infra/compose.test.ts checks in infra/compose.yaml beyond the schema, as functions
 * returning every problem found (empty when fine), so the test can also show each one failing on
 * a broken copy.
 */
import { existsSync } from "node:fs";
import { posix, resolve } from "node:path";
import { commandOf, ROOT, serviceEnv, type ComposeFile, type ComposeService } from "./compose-file.ts";
import type { Dockerfile } from "./dockerfile.ts";
import { readerOf } from "./env-readers.ts";

/** Services built from fnmesh's Dockerfile (the others are third-party images). */
export function builtServices(doc: ComposeFile): [string, ComposeService][] {
  return Object.entries(doc.services).filter(([, s]) => s.build !== undefined);
}

function healthTest(service: ComposeService): string[] {
  const t = service.healthcheck?.test;
  return t === undefined ? [] : Array.isArray(t) ? t : ["CMD-SHELL", t];
}

/** Every variable compose sets on an fnmesh service is one that service reads, with a value it accepts. */
export async function envProblems(doc: ComposeFile): Promise<string[]> {
  const problems: string[] = [];
  for (const [name, service] of builtServices(doc)) {
    const env = serviceEnv(service);
    const reader = await readerOf(commandOf(service), env);
    if (!reader) {
      problems.push(`${name}: its command ${JSON.stringify(commandOf(service))} runs no fnmesh service or script`);
      continue;
    }
    if (reader.reads.size === 0) problems.push(`${name}: ${reader.what} reads no variable at all (is the reader broken?)`);
    for (const key of Object.keys(env)) {
      if (!reader.reads.has(key)) problems.push(`${name}: sets ${key}, which ${reader.what} never reads`);
    }
    if (reader.configError) problems.push(`${name}: ${reader.what} rejects compose's values: ${reader.configError}`);
  }
  return problems;
}

/** The Dockerfile each built service names has the stages, files and base images compose relies on. */
export function dockerfileProblems(doc: ComposeFile, dockerfile: Dockerfile, dockerfilePath: string, contextDir: string): string[] {
  const problems: string[] = [];
  const names = dockerfile.stages.map((s) => s.name);
  dockerfile.stages.forEach((stage, i) => {
    const label = stage.name ?? `stage ${i}`;
    if (!/^node:24[-.]/.test(stage.base) && !names.slice(0, i).includes(stage.base)) {
      problems.push(`Dockerfile ${label}: base image ${JSON.stringify(stage.base)} is not Node 24`);
    }
    for (const copy of stage.copies) {
      if (copy.from !== undefined) {
        if (!names.slice(0, i).includes(copy.from)) problems.push(`Dockerfile ${label}: COPY --from=${copy.from} names no earlier stage`);
        continue;
      }
      for (const src of copy.sources) {
        if (!/[*?[]/.test(src) && !existsSync(resolve(contextDir, src))) problems.push(`Dockerfile ${label}: COPY ${src}: no such file in the build context`);
      }
    }
  });
  for (const [name, service] of builtServices(doc)) {
    const build = typeof service.build === "string" ? { context: service.build } : service.build ?? {};
    const named = resolve(ROOT, "infra", build.context ?? ".", build.dockerfile ?? "Dockerfile");
    if (named !== dockerfilePath) problems.push(`${name}: builds ${named}, not ${dockerfilePath}`);
    const target = build.target === undefined ? dockerfile.stages.at(-1) : dockerfile.stages.find((s) => s.name === build.target);
    if (!target) {
      problems.push(`${name}: build target ${JSON.stringify(build.target)} is no stage of the Dockerfile (stages: ${names.join(", ")})`);
      continue;
    }
    const user = service.user ?? target.user;
    if (!user || /^(root|0)(:|$)/.test(user)) problems.push(`${name}: runs as ${user ?? "root (no USER)"}; the image must run as a non-root user`);
    // Every fnmesh file a command or health check runs must be in the repository and copied, in place, into the image.
    const files = [...commandOf(service), ...healthTest(service)].filter((a) => /\.ts$/.test(a));
    for (const file of files) {
      if (!existsSync(resolve(ROOT, file))) problems.push(`${name}: runs ${file}, which does not exist`);
      const copied = target.copies.some((c) => c.from === undefined && c.sources.some((src) => {
        const s = posix.normalize(src).replace(/\/$/, "");
        return (file === s || file.startsWith(`${s}/`)) && posix.normalize(c.dest).replace(/\/$/, "") === s;
      }));
      if (!copied) problems.push(`${name}: runs ${file}, which the ${target.name ?? "final"} stage does not copy to the same path`);
    }
  }
  return problems;
}

export interface StackFacts {
  natsConf: string;
  requiredMaxPayload: number;
  devCredentials: { accessKeyId: string; secretAccessKey: string };
}

/** Byte sizes as nats-server writes them: 8388608, 8MB, 8MiB. */
function bytes(value: string): number {
  const m = /^(\d+)\s*([KMG]i?B?)?$/i.exec(value.trim().replace(/^"|"$/g, ""));
  if (!m) return Number.NaN;
  const unit = (m[2] ?? "").toUpperCase()[0];
  return Number(m[1]) * (unit === "K" ? 1024 : unit === "M" ? 1024 ** 2 : unit === "G" ? 1024 ** 3 : 1);
}

function serviceRunning(doc: ComposeFile, pattern: RegExp): [string, ComposeService] | undefined {
  return Object.entries(doc.services).find(([, s]) => commandOf(s).some((a) => pattern.test(a)));
}

function serviceWithImage(doc: ComposeFile, pattern: RegExp): [string, ComposeService] | undefined {
  return Object.entries(doc.services).find(([, s]) => pattern.test(s.image ?? ""));
}

function volumeTargets(service: ComposeService): string[] {
  return (service.volumes ?? []).map((v) => typeof v === "string" ? (v.split(":")[1] ?? "") : (v.target ?? ""));
}

/** What issue 15 item 6 asks of the stack: servers, start order, health checks, the quickstart's port and credentials. */
export function stackProblems(doc: ComposeFile, facts: StackFacts): string[] {
  const problems: string[] = [];
  const services = doc.services;
  const nats = serviceWithImage(doc, /^nats:/);
  if (!nats) problems.push("no nats service");
  else {
    if (!/^nats:2\.9\.10(-|$)/.test(nats[1].image ?? "")) problems.push(`nats: image ${nats[1].image} is not the 2.9.10 fnmesh is tested on`);
    if (!volumeTargets(nats[1]).some((t) => commandOf(nats[1]).includes(t))) problems.push("nats: its command does not use a mounted config file");
  }
  const maxPayload = bytes(/^\s*max_payload\s*[:=]\s*(\S+)/m.exec(facts.natsConf)?.[1] ?? "");
  if (!(maxPayload >= facts.requiredMaxPayload)) problems.push(`nats.conf: max_payload ${maxPayload} is below the ${facts.requiredMaxPayload} bytes fnmesh needs`);
  if (!/^\s*jetstream\s*[{:]/m.test(facts.natsConf)) problems.push("nats.conf: JetStream is not enabled");

  const pg = serviceWithImage(doc, /^postgres:/);
  if (!pg) problems.push("no postgres service");
  else {
    if (!/^postgres:15([-.]|$)/.test(pg[1].image ?? "")) problems.push(`postgres: image ${pg[1].image} is not PostgreSQL 15`);
    if (!commandOf(pg[1]).includes("wal_level=logical")) problems.push("postgres: wal_level=logical is not set");
  }

  const minio = serviceWithImage(doc, /^quay\.io\/minio\/minio[:@]/);
  if (!minio) problems.push("no minio service (quay.io/minio/minio)");
  else {
    if (!/@sha256:[0-9a-f]{64}$/.test(minio[1].image ?? "")) problems.push(`minio: image ${minio[1].image} is not pinned by digest`);
    const env = serviceEnv(minio[1]);
    const ids = Object.keys(env).map((k) => /^MINIO_NOTIFY_NATS_ENABLE_([A-Z0-9_]+)$/.exec(k)?.[1]).filter((id) => id !== undefined);
    if (ids.length === 0) problems.push("minio: no NATS notification target (MINIO_NOTIFY_NATS_ENABLE_<ID>)");
    for (const id of ids) {
      const get = (k: string) => env[`MINIO_NOTIFY_NATS_${k}_${id}`];
      if (get("ENABLE") !== "on") problems.push(`minio: target ${id} is not on`);
      if (get("JETSTREAM") !== "on") problems.push(`minio: target ${id} is not in JetStream mode`);
      if (!get("SUBJECT")) problems.push(`minio: target ${id} has no subject`);
      const host = (get("ADDRESS") ?? "").split(":")[0] ?? "";
      if (!nats || host !== nats[0]) problems.push(`minio: target ${id} publishes to ${JSON.stringify(get("ADDRESS"))}, not the nats service`);
      const dir = get("QUEUE_DIR") ?? "";
      if (!dir.startsWith("/")) problems.push(`minio: target ${id} has no absolute queue dir (events would be lost while NATS is away)`);
      else if (!volumeTargets(minio[1]).some((t) => dir === t || dir.startsWith(`${t}/`))) problems.push(`minio: queue dir ${dir} is not on a volume`);
    }
  }

  for (const [name, service] of Object.entries(services)) {
    const deps: Record<string, { condition?: string }> = Array.isArray(service.depends_on)
      ? Object.fromEntries(service.depends_on.map((d) => [d, {}]))
      : service.depends_on ?? {};
    for (const [dep, { condition }] of Object.entries(deps)) {
      const target = services[dep];
      if (!target) problems.push(`${name}: depends on ${dep}, which is no service`);
      else if (condition === "service_healthy" && !target.healthcheck) problems.push(`${name}: waits for ${dep} to be healthy, but ${dep} has no health check`);
      else if (condition === undefined || condition === "service_started") problems.push(`${name}: depends on ${dep} without waiting for it to be healthy or done`);
    }
  }
  for (const [name, service] of builtServices(doc)) {
    if (serviceRunning({ services: { [name]: service } }, /^services\//) && !service.healthcheck) problems.push(`${name}: no health check`);
  }

  const executor = serviceRunning(doc, /^services\/executor\/src\/main\.ts$/);
  if (!executor) problems.push("no executor service");
  else if (!commandOf(executor[1]).includes("--no-node-snapshot")) problems.push(`${executor[0]}: isolated-vm needs node --no-node-snapshot`);
  for (const service of ["scheduler", "trigger"]) {
    if (!serviceRunning(doc, new RegExp(`^services/${service}/src/main\\.ts$`))) problems.push(`no ${service} service`);
  }

  const migrate = serviceRunning(doc, /^scripts\/migrate\.ts$/);
  const ingest = serviceRunning(doc, /^services\/ingest\/src\/main\.ts$/);
  if (!ingest) problems.push("no ingest service");
  else {
    const [name, service] = ingest;
    const deps: Record<string, { condition?: string }> = Array.isArray(service.depends_on) ? {} : service.depends_on ?? {};
    if (!migrate) problems.push("no service applies the migrations (scripts/migrate.ts)");
    else if (deps[migrate[0]]?.condition !== "service_completed_successfully") problems.push(`${name}: does not wait for ${migrate[0]} to complete`);
    const env = serviceEnv(service);
    if (env.FNMESH_HTTP_HOST !== "0.0.0.0") problems.push(`${name}: FNMESH_HTTP_HOST must be 0.0.0.0 inside a container, got ${JSON.stringify(env.FNMESH_HTTP_HOST)}`);
    const port = env.FNMESH_HTTP_PORT ?? "8080";
    const published = (service.ports ?? []).some((p) => typeof p === "string"
      ? new RegExp(`(^|:)8080:${port}(/tcp)?$`).test(p)
      : String(p.published) === "8080" && String(p.target) === port);
    if (!published) problems.push(`${name}: port 8080 (the README's endpoint) is not published to its port ${port}`);
    const id = env.FNMESH_ACCESS_KEY_ID ?? facts.devCredentials.accessKeyId;
    const secret = env.FNMESH_SECRET_ACCESS_KEY ?? facts.devCredentials.secretAccessKey;
    if (id !== facts.devCredentials.accessKeyId || secret !== facts.devCredentials.secretAccessKey) {
      problems.push(`${name}: credentials ${id}/${secret} are not the README quickstart's ${facts.devCredentials.accessKeyId}/${facts.devCredentials.secretAccessKey}`);
    }
  }
  return problems;
}
