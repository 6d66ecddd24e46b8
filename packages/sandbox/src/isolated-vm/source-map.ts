/**
 * Stack traces that name the user's files and lines: frames in the bundle
 * (`file:///var/task/index.mjs:812:11`) are looked up in the source map @fnmesh/bundle appends to
 * the code (bundle format 4) and rewritten to where Lambda would report them
 * (`/var/task/lib/db.js:12:7`), in an error's `trace` and in its `Invoke Error` log document.
 * Node's own `module.SourceMap` reads the map; it is parsed on the first error only, and kept for
 * a few bundles.
 */
import { SourceMap, type SourceMapPayload } from "node:module";
import type { FunctionErrorBody } from "../types.ts";

const MAP_PREFIX = "\n//# sourceMappingURL=data:application/json;base64,";

/** Parsed maps by bundle, most recently used last; a map of a large bundle can take megabytes. */
const parsed = new Map<string, SourceMap | null>();
const MAX_PARSED = 8;

/** Rewrites bundle frames in error documents; `null` when the code carries no map. */
export interface TraceMapper {
  mapBody(body: FunctionErrorBody): FunctionErrorBody;
}

/** A mapper for `code` compiled as `filename`; `codeId` names the code for the parse cache. */
export function traceMapperFor(code: string, filename: string, codeId: string): TraceMapper | null {
  const at = code.lastIndexOf(MAP_PREFIX);
  if (at < 0) return null;
  const frame = new RegExp(`${escapeRegExp(filename)}:(\\d+):(\\d+)`, "g");
  const map = (): SourceMap | null => {
    const key = `${codeId}:${code.length}`;
    let found = parsed.get(key);
    if (found === undefined) {
      found = parseMap(code.slice(at + MAP_PREFIX.length).trim());
      if (parsed.size >= MAX_PARSED) parsed.delete(parsed.keys().next().value as string);
    } else {
      parsed.delete(key);
    }
    parsed.set(key, found);
    return found;
  };
  const rewrite = (text: string, escape: (location: string) => string): string => {
    if (!text.includes(filename)) return text;
    const sourceMap = map();
    if (sourceMap === null) return text;
    return text.replace(frame, (whole, line: string, column: string) => {
      const location = originalLocation(sourceMap, Number(line), Number(column));
      return location === null ? whole : escape(location);
    });
  };
  return {
    mapBody(body) {
      const trace = body.trace.map((line) => rewrite(line, (location) => location));
      // `logged` is JSON text: a path with a quote or backslash must stay valid JSON.
      const logged = body.logged === undefined ? undefined : rewrite(body.logged, (location) => JSON.stringify(location).slice(1, -1));
      return logged === undefined ? { ...body, trace } : { ...body, trace, logged };
    },
  };
}

function parseMap(base64: string): SourceMap | null {
  try {
    return new SourceMap(JSON.parse(Buffer.from(base64, "base64").toString("utf8")) as SourceMapPayload);
  } catch {
    return null; // a map we cannot read leaves traces as they are
  }
}

/** `source:line:column` (1-based) for a 1-based position in the bundle, or null when unmapped. */
function originalLocation(map: SourceMap, line: number, column: number): string | null {
  const entry = map.findEntry(line - 1, column - 1) as Partial<{ generatedLine: number; originalSource: string; originalLine: number; originalColumn: number }>;
  // findEntry answers the closest mapping before the position, which may be on an earlier line.
  if (entry.originalSource === undefined || entry.generatedLine !== line - 1 || entry.originalLine === undefined || entry.originalColumn === undefined) return null;
  return `${entry.originalSource}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
