import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { traceMapperFor } from "./source-map.ts";

const FILE = "file:///var/task/index.mjs";

/** A bundle of two lines whose map sends line 2, column 1 to `source` line 4, column 3 (VLQ "AAGE"). */
function bundleWithMap(source: string): string {
  const map = { version: 3, sources: [source], names: [], mappings: ";AAGE" };
  return `// fnmesh bundle format 4\nthrow new Error("x");\n//# sourceMappingURL=data:application/json;base64,${Buffer.from(JSON.stringify(map)).toString("base64")}\n`;
}

describe("traceMapperFor", () => {
  test("rewrites mapped bundle frames in trace and logged, leaves unmapped ones", () => {
    const mapper = traceMapperFor(bundleWithMap("/var/task/lib/x.js"), FILE, "code-a");
    assert.ok(mapper !== null);
    const body = mapper.mapBody({
      errorType: "Error",
      errorMessage: "x",
      trace: ["Error: x", `    at f (${FILE}:2:1)`, `    at ${FILE}:1:5`, "    at node:buffer:1:1"],
      logged: JSON.stringify({ errorType: "Error", errorMessage: "x", stack: ["Error: x", `    at f (${FILE}:2:1)`] }),
    });
    assert.deepEqual(body.trace, ["Error: x", "    at f (/var/task/lib/x.js:4:3)", `    at ${FILE}:1:5`, "    at node:buffer:1:1"]);
    assert.deepEqual(JSON.parse(body.logged ?? "").stack, ["Error: x", "    at f (/var/task/lib/x.js:4:3)"]);
  });

  test("a source path needing JSON escapes keeps `logged` valid JSON", () => {
    const mapper = traceMapperFor(bundleWithMap('/var/task/we"ird\\name.js'), FILE, "code-b");
    const body = mapper?.mapBody({ errorType: "Error", errorMessage: "x", trace: [], logged: JSON.stringify({ stack: [`at (${FILE}:2:1)`] }) });
    assert.deepEqual(JSON.parse(body?.logged ?? ""), { stack: ['at (/var/task/we"ird\\name.js:4:3)'] });
  });

  test("code without a map, or with an unreadable one, gets no mapper or unchanged traces", () => {
    assert.equal(traceMapperFor("export const userModule = {};\n", FILE, "code-c"), null);
    const broken = traceMapperFor(`x\n//# sourceMappingURL=data:application/json;base64,not-json\n`, FILE, "code-d");
    const trace = [`    at f (${FILE}:2:1)`];
    assert.deepEqual(broken?.mapBody({ errorType: "Error", errorMessage: "x", trace }).trace, trace);
  });
});
