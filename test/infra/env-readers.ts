/**
 * Which variables the process a compose service runs actually reads, found from fnmesh's own
 * source rather than a copied list: a service (`services/<name>/src/main.ts`) is asked through its
 * `loadConfig(env)` (pure, STYLE.md) with an env that records every lookup, fed the values compose
 * sets, so conditional reads count and invalid values surface as its ConfigError; a script
 * (`scripts/<x>.ts`) by the `process.env.NAME` lookups in its text.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT } from "./compose-file.ts";

export interface Reader { what: string; reads: Set<string>; configError?: string }

type LoadConfig = (env: Record<string, string | undefined>) => unknown;

export async function readerOf(command: string[], env: Record<string, string>): Promise<Reader | undefined> {
  for (const arg of command) {
    const service = /^services\/([a-z-]+)\/src\/main\.ts$/.exec(arg)?.[1];
    if (service) return serviceReader(service, env);
    if (/^scripts\/[a-z-]+\.ts$/.test(arg)) return scriptReader(arg);
  }
  return undefined;
}

async function serviceReader(service: string, env: Record<string, string>): Promise<Reader> {
  const configPath = resolve(ROOT, `services/${service}/src/config.ts`);
  const mod = (await import(pathToFileURL(configPath).href)) as { loadConfig?: LoadConfig };
  if (typeof mod.loadConfig !== "function") throw new Error(`${configPath} exports no loadConfig`);
  const reads = new Set<string>();
  const recording = new Proxy<Record<string, string | undefined>>({ ...env }, {
    get(target, key) {
      if (typeof key === "string") reads.add(key);
      return Reflect.get(target, key);
    },
  });
  let configError: string | undefined;
  try {
    mod.loadConfig(recording);
  } catch (err) {
    configError = err instanceof Error ? err.message : String(err);
  }
  return { what: `services/${service}/src/config.ts`, reads, ...(configError !== undefined ? { configError } : {}) };
}

function scriptReader(path: string): Reader {
  const text = readFileSync(resolve(ROOT, path), "utf8");
  const reads = new Set<string>();
  for (const m of text.matchAll(/process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\])/g)) {
    reads.add(m[1] ?? m[2] ?? "");
  }
  return { what: path, reads };
}
