import assert from "node:assert/strict";
import { SourceMap, type SourceMapPayload } from "node:module";
import { describe, test } from "node:test";

import { decode } from "@jridgewell/sourcemap-codec";
import { strToU8, zipSync } from "fflate";

import { buildBundle, type BuildResult } from "./build.ts";
import { SOURCE_MAP_PREFIX } from "./source-map.ts";
import { unpackZip } from "./zip.ts";

async function bundle(sources: Record<string, string>): Promise<BuildResult> {
  const zip = zipSync(Object.fromEntries(Object.entries(sources).map(([path, text]) => [path, strToU8(text)])));
  return buildBundle({ files: unpackZip(zip), handler: "index.handler" });
}

/** The map appended to `code`. */
function mapOf(code: string): SourceMap {
  const last = code.trimEnd().split("\n").at(-1) ?? "";
  assert.ok(last.startsWith(SOURCE_MAP_PREFIX), "the code ends with the map comment");
  return new SourceMap(JSON.parse(Buffer.from(last.slice(SOURCE_MAP_PREFIX.length), "base64").toString()) as SourceMapPayload);
}

describe("the bundle's source map", () => {
  test("maps bundle positions to the package's files as /var/task paths (file:// for .mjs), past the banner", async () => {
    const result = await bundle({
      "index.js": "const { Buffer } = require('buffer');\nconst lib = require('./lib/x.js');\nexports.handler = async () => lib.boom(Buffer);\n",
      "lib/x.js": "// first line\nexports.boom = () => {\n  throw new Error('kaboom');\n};\n",
      "esm.mjs": "export const y = 1;\n",
    });
    assert.ok(result.ok);
    const map = mapOf(result.code);
    const payload = map.payload as { sources: string[]; sourcesContent?: unknown };
    assert.ok(payload.sources.includes("/var/task/lib/x.js"), JSON.stringify(payload.sources));
    assert.ok(payload.sources.includes("/var/task/index.js"));
    assert.ok(payload.sources.includes("node:buffer"), "bundled built-ins read as Node's own frames");
    assert.ok(payload.sources.every((source) => source.startsWith("/var/task/") || source.startsWith("node:")), "no host path leaks");
    assert.equal(payload.sourcesContent, undefined, "no source text travels with the bundle");
    const lines = result.code.split("\n");
    const line = lines.findIndex((text) => text.includes("throw new Error(\"kaboom\")"));
    const column = lines[line]?.indexOf("throw") ?? -1;
    assert.deepEqual(
      (({ originalSource, originalLine, originalColumn }) => ({ originalSource, originalLine, originalColumn }))(map.findEntry(line, column) as { originalSource: string; originalLine: number; originalColumn: number }),
      { originalSource: "/var/task/lib/x.js", originalLine: 2, originalColumn: 2 },
    );
  });

  test("an .mjs source is named as Node names ES module frames", async () => {
    const result = await bundle({ "index.mjs": "export const handler = async () => {\n  throw new Error('esm');\n};\n" });
    assert.ok(result.ok);
    assert.ok((mapOf(result.code).payload as { sources: string[] }).sources.includes("file:///var/task/index.mjs"));
  });

  test("bundled built-ins keep one mapping per line, the package's files all of theirs", async () => {
    const result = await bundle({ "index.js": "const { Buffer } = require('buffer');\nexports.handler = async () => Buffer.from('x', 'utf8').toString('hex');\n" });
    assert.ok(result.ok);
    const payload = mapOf(result.code).payload as { sources: string[]; mappings: string };
    const builtin = new Set(payload.sources.flatMap((source, index) => (source.startsWith("node:") ? [index] : [])));
    const lines = decode(payload.mappings);
    assert.ok(lines.every((line) => line.filter((segment) => segment.length > 1 && builtin.has(segment[1] as number)).length <= 1));
    const user = payload.sources.indexOf("/var/task/index.js");
    assert.ok(lines.some((line) => line.filter((segment) => segment[1] === user).length > 1), "user lines keep every mapping");
  });
});
