/**
 * FilterCriteria that CreateEventSourceMapping refuses, with the error AWS answers. Lambda gives one
 * text for every malformed pattern: InvalidParameterValueException "Invalid filter pattern definition."
 * (as recorded against AWS in localstack/localstack's Lambda provider). Each row names the rule it
 * breaks and where AWS documents that rule (page keys as in filter-conformance.test.ts).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FilterErrorCode, isFilterError } from "./errors.ts";
import { compileFilters } from "./compile-filters.ts";
import { MAX_PATTERN_LENGTH, parseFilterCriteria } from "./parse-criteria.ts";
import { criteriaOf } from "./testing/filter-table.ts";

const refused: Array<[pattern: string, why: string]> = [
  ["not json", "LDG1: a non-JSON pattern throws at creation"],
  ["", "LDG1: an empty string is not a JSON pattern"],
  ['["a"]', "LDG: a pattern is a JSON object of fields"],
  ['"a"', "LDG: a pattern is a JSON object of fields"],
  ["{}", "EventBridge/Event Ruler: empty objects are not allowed"],
  ['{"a":{}}', "Event Ruler: empty objects are not allowed, nested too"],
  ['{"a":"b"}', "EBP: values to match are in a JSON array"],
  ['{"a":5}', "EBP: values to match are in a JSON array"],
  ['{"a":[[1]]}', "EBP: a rule is a value or an operator object, not an array"],
  ['{"a":[{"prefix":5}]}', "LDG: prefix takes a string"],
  ['{"a":[{"suffix":["x"]}]}', "LDG: suffix takes a string"],
  ['{"a":[{"equals-ignore-case":1}]}', "LDG: equals-ignore-case takes a string"],
  ['{"a":[{"exists":"true"}]}', "LDG: exists takes true or false"],
  ['{"a":[{"numeric":[">","10"]}]}', "LDG: numeric operands are numbers"],
  ['{"a":[{"numeric":["<",10,">",20]}]}', "LDG: a range's lower bound is below its upper bound"],
  ['{"a":[{"numeric":["=",1,"<",2]}]}', "LDG: numeric = stands alone"],
  ['{"a":[{"numeric":[">",1,">",2]}]}', "LDG: one lower bound only"],
  ['{"a":[{"numeric":["!=",1]}]}', "EBC: operators are =, <, <=, >, >="],
  ['{"a":[{"numeric":[">",6e9]}]}', "EBC: numeric values are limited to ±5.0e9"],
  ['{"a":[{"numeric":[">"]}]}', "LDG: an operator needs its number"],
  ['{"a":[{"anything-but":[]}]}', "EBC: anything-but needs a value"],
  ['{"a":[{"anything-but":["x",1]}]}', "EBC: lists that contain only strings, or only numbers"],
  ['{"a":[{"anything-but":{"prefix":["a","b"]}}]}', "EBC: anything-but works with a single prefix, not a list"],
  ['{"a":[{"anything-but":{"numeric":[">",1]}}]}', "EBO: anything-but takes values, prefix, suffix, equals-ignore-case or wildcard"],
  ['{"a":[{"anything-but":true}]}', "EBC: anything-but takes strings or numbers"],
  ['{"a":[{"unknown-op":1}]}', "LDG: not an operator of the grammar"],
  ['{"a":[{"prefix":"x","suffix":"y"}]}', "LDG: one operator per rule object"],
  ['{"a":[{"cidr":"10.0.0.0/33"}]}', "EBC: an IPv4 prefix is at most /32"],
  ['{"a":[{"cidr":"ten.0.0.0/8"}]}', "EBC: cidr takes an IP address prefix"],
  ['{"a":[{"wildcard":"a**b"}]}', "EBO: consecutive wildcard characters are not supported"],
  ['{"$or":[{"a":[1]}]}', "EBO: $or takes at least two patterns"],
  ['{"$or":{"a":[1]}}', "EBO: $or takes an array"],
];

describe("malformed patterns: InvalidParameterValueException", () => {
  for (const [pattern, why] of refused) {
    test(`${JSON.stringify(pattern)}: ${why}`, () => {
      assert.throws(
        () => parseFilterCriteria({ Filters: [{ Pattern: pattern }] }),
        (err: unknown) => {
          assert.ok(isFilterError(err));
          assert.equal(err.code, FilterErrorCode.InvalidFilterPattern);
          assert.equal(err.awsErrorCode, "InvalidParameterValueException");
          assert.equal(err.message, "Invalid filter pattern definition.");
          return true;
        },
      );
    });
  }
});

describe("FilterCriteria limits and shape", () => {
  const filters = (n: number) => criteriaOf(Array.from({ length: n }, (_, i) => ({ a: [i] })));

  test("LDG: five filters by default", () => {
    assert.equal(parseFilterCriteria(filters(5)).Filters.length, 5);
    assert.throws(() => parseFilterCriteria(filters(6)), (err: unknown) => isFilterError(err) && err.code === FilterErrorCode.TooManyFilters && err.awsErrorCode === "InvalidParameterValueException");
  });

  test("LDG: up to 10 after a quota increase", () => {
    assert.equal(compileFilters(filters(10), { maxFilters: 10 })({ a: 9 }), true);
    assert.throws(() => compileFilters(filters(11), { maxFilters: 10 }), (err: unknown) => isFilterError(err) && err.code === FilterErrorCode.TooManyFilters);
  });

  test("Lambda API Reference, Filter: Pattern is at most 4096 characters", () => {
    const pad = (length: number) => `{"a":["${"x".repeat(length - 10)}"]}`;
    assert.equal(pad(MAX_PATTERN_LENGTH).length, 4096);
    assert.equal(parseFilterCriteria({ Filters: [{ Pattern: pad(4096) }] }).Filters.length, 1);
    assert.throws(
      () => parseFilterCriteria({ Filters: [{ Pattern: pad(4096) }, { Pattern: pad(4097) }] }),
      (err: unknown) =>
        isFilterError(err) &&
        err.code === FilterErrorCode.PatternTooLong &&
        err.awsErrorCode === "ValidationException" &&
        err.message.includes("'filterCriteria.filters.2.member.pattern'") &&
        err.message.endsWith("Member must have length less than or equal to 4096"),
    );
  });

  test("LDG CLI section: FilterCriteria {} removes filtering", () => {
    assert.deepEqual(parseFilterCriteria({}), { Filters: [] });
    assert.deepEqual(parseFilterCriteria(undefined), { Filters: [] });
  });

  test("localstack's provider: a filter without a Pattern string is an invalid pattern", () => {
    for (const bad of [{ Filters: [{}] }, { Filters: [{ Pattern: 5 }] }, { Filters: "x" }, "x"]) {
      assert.throws(() => parseFilterCriteria(bad), (err: unknown) => isFilterError(err) && err.message === "Invalid filter pattern definition.", JSON.stringify(bad));
    }
  });

  test("LDG1 Kinesis table: a non-JSON rule for base64 data throws at creation", () => {
    const criteria = criteriaOf({ data: ["x"] });
    assert.throws(() => compileFilters(criteria, { payloadKey: "data", payloadEncoding: "base64" }), (err: unknown) => isFilterError(err) && err.code === FilterErrorCode.InvalidFilterPattern);
    // The same rule is fine for a text body (LSQS: plain-string patterns are allowed).
    assert.equal(compileFilters(criteria, { payloadKey: "data", payloadEncoding: "text" })({ data: "x" }), true);
  });
});
