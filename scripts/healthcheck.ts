/**
 * A container health check (infra/compose.yaml): `node scripts/healthcheck.ts <service>` exits 0
 * when the service is ready, 1 otherwise, printing why. ingest: `GET /healthz` on its own port
 * (200 once the whole mesh is ready). executor, scheduler, trigger: a request on
 * `fnmesh.health.<service>`, which every instance answers with its readiness; one ready answer
 * passes. With several replicas of a service that means "some replica is ready", not this one:
 * health replies carry no container identity.
 */
import { connect } from "@nats-io/transport-node";
import { decodeJson, HealthReply, SERVICES, subjects, type ServiceName } from "@fnmesh/protocol";

const TIMEOUT_MS = 2_000;
const service = process.argv[2];

function isService(name: string | undefined): name is ServiceName {
  return (SERVICES as readonly string[]).includes(name ?? "");
}

async function ingestReady(): Promise<string | undefined> {
  const port = process.env.FNMESH_HTTP_PORT || "8080";
  const res = await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(TIMEOUT_MS) });
  return res.status === 200 ? undefined : `GET /healthz answered ${res.status}: ${await res.text()}`;
}

async function serviceReady(name: ServiceName): Promise<string | undefined> {
  const nc = await connect({ servers: (process.env.NATS_URL || "nats://127.0.0.1:4222").split(","), timeout: TIMEOUT_MS });
  try {
    let answers = 0;
    const replies = await nc.requestMany(subjects.health(name), undefined, { strategy: "timer", maxWait: TIMEOUT_MS });
    for await (const msg of replies) {
      answers++;
      if (decodeJson(HealthReply, msg.data, "health reply").ready) return undefined;
    }
    return answers === 0 ? `no ${name} instance answered` : `${answers} ${name} instance(s) answered, none ready`;
  } finally {
    await nc.close();
  }
}

if (!isService(service)) {
  process.stderr.write(`usage: node scripts/healthcheck.ts <${SERVICES.join("|")}>\n`);
  process.exit(2);
}
try {
  const problem = service === "ingest" ? await ingestReady() : await serviceReady(service);
  if (problem) {
    process.stderr.write(`${service} not ready: ${problem}\n`);
    process.exit(1);
  }
  process.stdout.write(`${service} ready\n`);
} catch (err) {
  process.stderr.write(`${service} not ready: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
