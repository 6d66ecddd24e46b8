/**
 * The bundle's source map, so that stack traces name the user's files and lines as on Lambda
 * (`/var/task/src/app.js:12:7`) rather than the bundle's. esbuild writes the map; this names the
 * sources as Lambda's paths, shifts it past what build.ts puts before esbuild's output, and appends
 * it to the code as a data URL comment (the executor reads it only to format an error's trace).
 * Mappings only: no source text travels with the bundle.
 */
import { decode, encode, type SourceMapSegment } from "@jridgewell/sourcemap-codec";

import { TASK_ROOT } from "./handler-string.ts";

/** The comment that carries the map; the sandbox looks for it at the end of the code. */
export const SOURCE_MAP_PREFIX = "//# sourceMappingURL=data:application/json;base64,";

/** Sources that are not the package's own (bundled Node built-ins, the virtual entry). */
const FNMESH_SOURCE = "node:internal/fnmesh";

/** build.ts's virtual entry module. */
const ENTRY_SOURCEFILE = "fnmesh-entry.mjs";

interface RawSourceMap {
  version: number;
  sources: string[];
  names: string[];
  mappings: string;
  sourcesContent?: unknown;
  sourceRoot?: string;
}

/**
 * esbuild's map for output placed after `prefixLines` lines, with each source named as the file
 * Lambda would load: `/var/task/<path>` (`file:///var/task/<path>` for `.mjs`, as Node prints ES
 * module frames); sources outside the package become `node:internal/fnmesh/<name>`.
 */
export function relocateSourceMap(mapJson: string, prefixLines: number): string {
  const map = JSON.parse(mapJson) as RawSourceMap;
  const sources = map.sources.map((source) => {
    // node-builtins.ts's namespace: Node's own frames read `node:buffer:123:4`.
    const builtin = /^fnmesh-node-builtin:node:(.+)$/.exec(source);
    if (builtin !== null) return `node:${builtin[1]}`;
    if (source === ENTRY_SOURCEFILE || source.startsWith("../") || source.startsWith("/") || source.includes(":") || source === "") {
      return `${FNMESH_SOURCE}/${source.split(/[/:]/).slice(-1).join("")}`;
    }
    const path = `${TASK_ROOT}/${source.replace(/^\.\//, "")}`;
    return path.endsWith(".mjs") ? `file://${path}` : path;
  });
  // fnmesh's own code (bundled built-ins) keeps one mapping per line: its frames still name the
  // built-in and line, and the map stays small (a full map of buffer+crypto+stream is ~75% of the
  // bundle's size; thinned, ~17%).
  const ours = new Set(sources.flatMap((source, index) => (source.startsWith("node:") ? [index] : [])));
  const lines = decode(map.mappings).map((line) => {
    let keptOurs = false;
    return line.filter((segment: SourceMapSegment) => {
      if (segment.length === 1 || !ours.has(segment[1])) return true;
      if (keptOurs) return false;
      keptOurs = true;
      return true;
    });
  });
  const relocated: RawSourceMap = { version: 3, sources, names: map.names, mappings: ";".repeat(prefixLines) + encode(lines) };
  return JSON.stringify(relocated);
}

/** The comment line to append to a bundle carrying `mapJson`. */
export function sourceMapComment(mapJson: string): string {
  return SOURCE_MAP_PREFIX + Buffer.from(mapJson, "utf8").toString("base64");
}
