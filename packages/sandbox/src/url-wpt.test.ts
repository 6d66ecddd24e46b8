/**
 * WHATWG URL conformance: the Web Platform Tests' URL parsing data (test/data/wpt/url/
 * urltestdata.json, vendored) run inside one isolate against the isolate's `URL`, and on the host
 * against Node's, with the same check. The isolate delegates parsing to the host, so it must be
 * exactly as conformant: every case Node passes must pass in the isolate.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { createIsolateRuntime } from "./isolate-runtime.ts";
import { disposable, invokeWith, ok, testFunction } from "./sandbox-runtime.case.ts";

const DATA = new URL("../../../test/data/wpt/url/urltestdata.json", import.meta.url);

interface UrlCase {
  input: string;
  base: string | null;
  failure?: boolean;
  [component: string]: unknown;
}

/**
 * WPT's url-constructor and url-origin checks, plus URL.canParse and URL.parse agreeing with the
 * constructor. Returns one boolean per test object (comment strings skipped). Serialised with
 * `toString()` into the isolate, so it uses only its parameters.
 */
function checkUrlCases(cases: readonly unknown[], URLClass: typeof URL): boolean[] {
  const fields = ["href", "protocol", "username", "password", "host", "hostname", "port", "pathname", "search", "hash"];
  const results: boolean[] = [];
  for (const item of cases) {
    if (typeof item !== "object" || item === null) continue;
    const c = item as { input: string; base: string | null; failure?: boolean; origin?: string; searchParams?: string; [k: string]: unknown };
    const base = c.base === null ? undefined : c.base;
    let passed = true;
    try {
      if (c.failure === true) {
        let threw = false;
        try {
          new URLClass(c.input, base);
        } catch (error) {
          threw = error instanceof TypeError;
        }
        passed = threw && !URLClass.canParse(c.input, base) && URLClass.parse(c.input, base) === null;
      } else {
        const url = new URLClass(c.input, base);
        for (const field of fields) if ((url as unknown as Record<string, unknown>)[field] !== c[field]) passed = false;
        if (c.origin !== undefined && url.origin !== c.origin) passed = false;
        if (c.searchParams !== undefined && url.searchParams.toString() !== c.searchParams) passed = false;
        if (!URLClass.canParse(c.input, base) || URLClass.parse(c.input, base)?.href !== url.href) passed = false;
      }
    } catch {
      passed = false;
    }
    results.push(passed);
  }
  return results;
}

test("WPT urltestdata inside an isolate is exactly as conformant as Node's URL", async (t) => {
  const text = await readFile(DATA, "utf8");
  const cases = JSON.parse(text) as (UrlCase | string)[];
  const objects = cases.filter((c): c is UrlCase => typeof c === "object");
  const onHost = checkUrlCases(cases, URL);

  await using rt = disposable(createIsolateRuntime);
  // Every case in one invocation of one isolate: the JSON is the event.
  const code = `const check = ${checkUrlCases.toString()};\nconst handler = async (cases) => { const started = Date.now(); const results = check(cases, URL); return { results, ms: Date.now() - started }; };\nconst userModule = { handler };\nexport { userModule };\n`;
  const fn = testFunction(code, { timeoutMs: 30_000, memoryMb: 128 });
  const outcome = await rt.invoke({ requestId: "wpt", fn, event: text });
  const { results, ms } = ok(outcome) as { results: boolean[]; ms: number };

  const passed = results.filter(Boolean).length;
  const hostPassed = onHost.filter(Boolean).length;
  t.diagnostic(`WPT urltestdata: ${passed}/${results.length} passed in the isolate (Node's URL on the host: ${hostPassed}/${onHost.length}); ${ms} ms, ${((ms * 1000) / results.length).toFixed(0)} µs per case`);
  const differing = objects.filter((_c, i) => results[i] !== onHost[i]).map((c) => `${JSON.stringify(c.input)} base ${JSON.stringify(c.base)}`);
  assert.equal(results.length, objects.length);
  assert.ok(passed >= hostPassed, `isolate ${passed} < host ${hostPassed}`);
  assert.deepEqual(differing, [], "cases where the isolate and Node disagree");
  // Sanity: the vendored file is the one SOURCE.md describes, and Node passes nearly all of it.
  assert.equal(objects.length, 866);
  assert.ok(hostPassed > 850, `Node passes only ${hostPassed}`);

  // A warm second run in the same isolate, partly from its parse cache, answers the same.
  const second = await invokeWith(rt, fn, cases);
  assert.equal(second.cold, false);
  assert.deepEqual((ok(second) as { results: boolean[] }).results, results);
});
