/**
 * infra/compose.yaml as docker compose reads it: YAML with merge keys (`<<: *anchor`), checked
 * against the Compose Specification's JSON schema (vendored: infra/vendor/compose-spec.json, see
 * infra/README.md for its source), with `${VAR:-default}` interpolation.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { Ajv, type ErrorObject } from "ajv";
import { parse } from "yaml";

export const ROOT = resolve(import.meta.dirname, "../..");
export const COMPOSE_PATH = resolve(ROOT, "infra/compose.yaml");
const SCHEMA_PATH = resolve(ROOT, "infra/vendor/compose-spec.json");
const DRAFT7_PATH = resolve(ROOT, "node_modules/ajv/dist/refs/json-schema-draft-07.json");

export interface ComposeHealthcheck { test?: string[] | string; disable?: boolean }
export interface ComposeBuild { context?: string; dockerfile?: string; target?: string }
export interface ComposeService {
  image?: string;
  build?: ComposeBuild | string;
  command?: string[] | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: ComposeHealthcheck;
  ports?: (string | { target?: number; published?: string | number; host_ip?: string })[];
  volumes?: (string | { type?: string; source?: string; target?: string })[];
  user?: string;
}
export interface ComposeFile { name?: string; services: Record<string, ComposeService>; volumes?: Record<string, unknown> }

/** Parses compose YAML the way compose does: merge keys on. */
export function parseCompose(text: string): ComposeFile {
  return parse(text, { merge: true }) as ComposeFile;
}

export function readCompose(): ComposeFile {
  return parseCompose(readFileSync(COMPOSE_PATH, "utf8"));
}

/** Validates against the vendored Compose Specification schema; returns ajv's errors as text. */
export function schemaProblems(doc: unknown): string[] {
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  // The schema names its draft-07 meta-schema by https URL; ajv ships it under the http one.
  const draft7 = JSON.parse(readFileSync(DRAFT7_PATH, "utf8")) as Record<string, unknown>;
  ajv.addMetaSchema({ ...draft7, $id: "https://json-schema.org/draft-07/schema" });
  const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA_PATH, "utf8")) as object);
  if (validate(doc)) return [];
  return (validate.errors ?? []).map((e: ErrorObject) => `${e.instancePath || "/"} ${e.message ?? ""} ${JSON.stringify(e.params)}`);
}

/**
 * Compose's interpolation with an empty shell environment: `${VAR:-default}` and `${VAR-default}`
 * give the default, `${VAR}`/`$VAR` give "", `$$` is a literal `$`. What `docker compose up`
 * uses when the user sets nothing, i.e. what the README quickstart meets.
 */
export function interpolate(value: string): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (match, _braced: string | undefined, op: string | undefined, fallback: string | undefined) => {
      if (match === "$$") return "$";
      return op !== undefined ? (fallback ?? "") : "";
    });
}

/** A service's environment as a map, interpolated. */
export function serviceEnv(service: ComposeService): Record<string, string> {
  const env: Record<string, string> = {};
  const raw = service.environment ?? {};
  const entries: [string, unknown][] = Array.isArray(raw)
    ? raw.map((line) => { const i = line.indexOf("="); return i < 0 ? [line, ""] : [line.slice(0, i), line.slice(i + 1)]; })
    : Object.entries(raw);
  for (const [key, value] of entries) env[key] = interpolate(value === null || value === undefined ? "" : String(value));
  return env;
}

export function commandOf(service: ComposeService): string[] {
  const c = service.command;
  return c === undefined ? [] : Array.isArray(c) ? c : c.split(/\s+/).filter(Boolean);
}
