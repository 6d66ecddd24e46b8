import assert from "node:assert/strict";
import { test } from "node:test";
import { format } from "node:util";
import { installFormat } from "./format-log.ts";

const rt = { format: (_args: readonly unknown[]) => "", inspect: (_value: unknown) => "" };
installFormat({}, rt);

class Point {
  x = 1;
  y = 2;
}
const circular: Record<string, unknown> = { a: 1 };
circular.self = circular;

test("agrees with util.format on common console arguments", () => {
  const cases: unknown[][] = [
    ["hello"], ["a", "b", 1], ["%s is %d", "n", 42], ["%i|%f", "42.5", "1.5"], ["%j", { a: [1] }], ["%o", { a: 1 }],
    ["%O", { a: 1 }], ["100%%", 1], ["%s"], ["%c styled", "color: red"], ["%s", { a: 1 }], ["%s", [1, 2]], ["%d", "x"],
    [{ a: 1, b: "x", c: [1, 2, 3] }], [[1, "two", { three: 3 }]], [null, undefined, true, 1n, Symbol("s"), -0],
    [new Point()], [Object.create(null)], [{ "a-b": 1, [Symbol("k")]: 2 }], [new Map([["a", 1]])], [new Set([1, 2])],
    [new Uint8Array([1, 2, 3])], [function named() {}], [() => {}], [class K {}], [async function af() {}],
    [{ a: { b: { c: { d: { e: 1 } } } } }], [circular], [new Date(0)], [/re/g], [[]], [{}], ["it's"], [{ s: "it's" }],
    [{ s: "a\nb" }], [{ long: "x".repeat(100) }], [new Number(3)], [{ get g() { return 1; } }], [[undefined, null]],
    [{ nested: [{ a: 1 }, { b: 2 }] }], ["x", { y: 1 }],
    [Object.fromEntries(Array.from({ length: 27 }, (_, i) => [`k${i}`, i]))],
  ];
  for (const [i, args] of cases.entries()) assert.equal(rt.format(args), format(...(args as [unknown, ...unknown[]])), `case ${i}`);
});

test("errors print their stack, also nested", () => {
  const err = new TypeError("bad");
  assert.equal(rt.format([err]), err.stack);
  assert.equal(rt.format([{ err }]), format({ err }));
});

test("custom inspect hooks are honoured", () => {
  const value = { [Symbol.for("nodejs.util.inspect.custom")]: () => "custom!" };
  assert.equal(rt.format([value]), "custom!");
});

test("values that refuse inspection do not throw", () => {
  const hostile = new Proxy({}, { ownKeys: () => { throw new Error("no"); } });
  assert.equal(typeof rt.format([hostile]), "string");
});
