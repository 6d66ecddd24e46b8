/**
 * A small Dockerfile reader for the compose checks: global ARG defaults, stages (`FROM … AS name`)
 * with their resolved base image, COPY instructions and USER. Enough for fnmesh's one Dockerfile;
 * not a general parser (no heredocs, no escape directive).
 */

export interface Copy { from?: string; sources: string[]; dest: string }
export interface Stage { name?: string; base: string; copies: Copy[]; user?: string }
export interface Dockerfile { stages: Stage[] }

export function parseDockerfile(text: string): Dockerfile {
  const lines = text.replace(/\\\r?\n/g, " ").split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  const args: Record<string, string> = {};
  const stages: Stage[] = [];
  const expand = (s: string) => s.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a?: string, b?: string) => args[a ?? b ?? ""] ?? "");
  for (const line of lines) {
    const [instruction = "", ...rest] = line.split(/\s+/);
    const op = instruction.toUpperCase();
    if (op === "ARG" && stages.length === 0) {
      const [name = "", value = ""] = (rest[0] ?? "").split("=", 2);
      args[name] = value;
    } else if (op === "FROM") {
      const words = rest.filter((w) => !w.startsWith("--"));
      const as = words.findIndex((w) => w.toUpperCase() === "AS");
      stages.push({ base: expand(words[0] ?? ""), ...(as >= 0 && words[as + 1] ? { name: words[as + 1] } : {}), copies: [] });
    } else if (op === "COPY" || op === "ADD") {
      const stage = stages.at(-1);
      if (!stage) continue;
      const flags = rest.filter((w) => w.startsWith("--"));
      const from = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length);
      const body = rest.filter((w) => !w.startsWith("--")).join(" ");
      const paths = body.startsWith("[") ? (JSON.parse(body) as string[]) : body.split(/\s+/);
      const dest = paths.at(-1) ?? "";
      stage.copies.push({ ...(from !== undefined ? { from } : {}), sources: paths.slice(0, -1), dest });
    } else if (op === "USER") {
      const stage = stages.at(-1);
      if (stage) stage.user = rest.join(" ");
    }
  }
  return { stages };
}
