import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultPreludeModules, preludeSource } from "./index.ts";

test("the prelude source is Latin-1, so V8 keeps it one byte per character in every isolate", () => {
  // One character above U+00FF (even in a comment: modules are serialised whole) doubles its size.
  const wide = [...preludeSource()].filter((ch) => ch.charCodeAt(0) > 0xff);
  assert.deepEqual(wide, []);
});

test("lazy modules need only modules defined before them, and no global has two owners", () => {
  const seen = new Set<string>();
  const owners = new Map<string, string>();
  for (const module of defaultPreludeModules) {
    for (const need of module.needs ?? []) {
      const target = defaultPreludeModules.find((m) => m.name === need);
      assert.ok(target !== undefined && target.globals !== undefined && seen.has(need), `${module.name} needs ${need}, which is not an earlier lazy module`);
    }
    for (const name of module.globals ?? []) {
      assert.equal(owners.get(name), undefined, `${name} is defined by ${owners.get(name)} and ${module.name}`);
      owners.set(name, module.name);
    }
    seen.add(module.name);
  }
});
