/**
 * Matching conformance: (pattern, record, expected) rows from AWS's documented examples. Groups cite
 * their page and section; the expected result is what the page states (or, where the page gives only
 * the pattern, the operator's documented meaning applied to a record built from the page's fields).
 *
 * LDG  Lambda Developer Guide, "Control which events Lambda sends to your function"
 *      (docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html)
 * LSQS Lambda Developer Guide, "Using event filtering with an Amazon SQS event source" (with-sqs-filtering.html)
 * LDG1 the 2022 edition of the LDG page, awsdocs/aws-lambda-developer-guide doc_source/invocation-eventfiltering.md
 *      ("Filtering examples", "Properly filtering Kinesis and DynamoDB messages")
 * EBC  EventBridge User Guide, "Content filtering in Amazon EventBridge event patterns"
 * EBO  EventBridge User Guide, "Comparison operators for use in event patterns" (eb-create-pattern-operators)
 * EBN  EventBridge User Guide, "Matching on null values and empty strings"
 * EBP  EventBridge User Guide, "Amazon EventBridge event patterns", Example events and event patterns (Field matching)
 * EBA  EventBridge User Guide, "Arrays in Amazon EventBridge event patterns"
 */
import { describe } from "node:test";
import { b64, runFilterTable, type FilterRow } from "./testing/filter-table.ts";

const SQS = { payloadKey: "body", payloadEncoding: "text" } as const;
const KINESIS = { payloadKey: "data", payloadEncoding: "base64" } as const;

describe("LDG: Filter rule syntax (each operator of the summary table)", () => {
  runFilterTable([
    { pattern: { UserID: [null] }, record: { UserID: null }, want: true, why: "Null: UserID is null" },
    { pattern: { UserID: [null] }, record: { UserID: "" }, want: false, why: "Null does not match an empty string (EBN: not interchangeable)" },
    { pattern: { LastName: [""] }, record: { LastName: "" }, want: true, why: "Empty: LastName is empty" },
    { pattern: { LastName: [""] }, record: { LastName: null }, want: false, why: "Empty does not match null (EBN)" },
    { pattern: { Name: ["Alice"] }, record: { Name: "Alice" }, want: true, why: "Equals: Name is Alice" },
    { pattern: { Name: ["Alice"] }, record: { Name: "alice" }, want: false, why: "Equals is exact: no case-folding (LDG note)" },
    { pattern: { Name: [{ "equals-ignore-case": "alice" }] }, record: { Name: "ALICE" }, want: true, why: "Equals (ignore case)" },
    { pattern: { Name: [{ "equals-ignore-case": "alice" }] }, record: { Name: "Alicia" }, want: false, why: "Equals (ignore case) is still whole-value" },
    { pattern: { Location: ["New York"], Day: ["Monday"] }, record: { Location: "New York", Day: "Monday" }, want: true, why: "And: both fields match" },
    { pattern: { Location: ["New York"], Day: ["Monday"] }, record: { Location: "New York", Day: "Tuesday" }, want: false, why: "And: one field fails" },
    { pattern: { Location: ["New York"], Day: ["Monday"] }, record: { Location: "New York" }, want: false, why: "And: the record must contain every field of the filter" },
    { pattern: { PaymentType: ["Credit", "Debit"] }, record: { PaymentType: "Debit" }, want: true, why: "Or: PaymentType is Credit or Debit" },
    { pattern: { PaymentType: ["Credit", "Debit"] }, record: { PaymentType: "Cash" }, want: false, why: "Or: neither value" },
    { pattern: { $or: [{ Location: ["New York"] }, { Day: ["Monday"] }] }, record: { Location: "Paris", Day: "Monday" }, want: true, why: "Or (multiple fields): Day is Monday" },
    { pattern: { $or: [{ Location: ["New York"] }, { Day: ["Monday"] }] }, record: { Location: "Paris", Day: "Sunday" }, want: false, why: "Or (multiple fields): neither" },
    { pattern: { Weather: [{ "anything-but": ["Raining"] }] }, record: { Weather: "Sunny" }, want: true, why: "Not: anything but Raining" },
    { pattern: { Weather: [{ "anything-but": ["Raining"] }] }, record: { Weather: "Raining" }, want: false, why: "Not: Raining itself" },
    { pattern: { Weather: [{ "anything-but": ["Raining"] }] }, record: {}, want: false, why: "Not: a missing field matches nothing but exists:false" },
    { pattern: { Price: [{ numeric: ["=", 100] }] }, record: { Price: 100 }, want: true, why: "Numeric (equals): Price is 100" },
    { pattern: { Price: [{ numeric: ["=", 100] }] }, record: { Price: "100" }, want: false, why: "Numeric rules see JSON numbers, not strings" },
    { pattern: { Price: [{ numeric: [">", 10, "<=", 20] }] }, record: { Price: 20 }, want: true, why: "Numeric (range): 20 is <= 20" },
    { pattern: { Price: [{ numeric: [">", 10, "<=", 20] }] }, record: { Price: 10 }, want: false, why: "Numeric (range): 10 is not > 10" },
    { pattern: { ProductName: [{ exists: true }] }, record: { ProductName: "Widget" }, want: true, why: "Exists" },
    { pattern: { ProductName: [{ exists: true }] }, record: { Name: "Widget" }, want: false, why: "Exists: field absent" },
    { pattern: { ProductName: [{ exists: false }] }, record: { Name: "Widget" }, want: true, why: "Does not exist" },
    { pattern: { ProductName: [{ exists: false }] }, record: { ProductName: "Widget" }, want: false, why: "Does not exist: field present" },
    { pattern: { Region: [{ prefix: "us-" }] }, record: { Region: "us-east-1" }, want: true, why: "Begins with: Region is in the US" },
    { pattern: { Region: [{ prefix: "us-" }] }, record: { Region: "eu-west-1" }, want: false, why: "Begins with: not in the US" },
    { pattern: { FileName: [{ suffix: ".png" }] }, record: { FileName: "cat.png" }, want: true, why: "Ends with: .png" },
    { pattern: { FileName: [{ suffix: ".png" }] }, record: { FileName: "cat.PNG" }, want: false, why: "Ends with is case-sensitive" },
  ]);
});

describe("LDG: basics, Exists note, console example", () => {
  const ddb = (n: string) => ({ eventName: "INSERT", dynamodb: { Keys: { ID: { S: "ABCD" }, Number: { N: n } } } });
  const person = { person: { name: "John Doe", age: 30, address: { street: "123 Main St", city: "Anytown", country: "USA" } } };
  runFilterTable([
    { pattern: { dynamodb: { Keys: { Number: { N: ["4567"] } } } }, record: ddb("1234"), want: false, why: "basics: sort key Number is 1234, not 4567" },
    { pattern: { dynamodb: { Keys: { Number: { N: ["4567"] } } } }, record: ddb("4567"), want: true, why: "basics: multi-level match on Keys.Number.N" },
    { pattern: { person: { address: [{ exists: true }] } }, record: person, want: false, why: "Exists note: address is an intermediate node, no match" },
    { pattern: { person: { address: { city: [{ exists: true }] } } }, record: person, want: true, why: "Exists on the leaf under it matches" },
    { pattern: { Metadata: [1, 2] }, record: { Metadata: 2 }, want: true, why: "console example: Metadata equal to 1 or 2" },
    { pattern: { Metadata: [1, 2] }, record: { Metadata: 3 }, want: false, why: "console example: 3 is neither" },
    { pattern: { Metadata: [1, 2] }, record: { Metadata: "1" }, want: false, why: "console example: the string \"1\" is not the number 1" },
  ]);
});

describe("LSQS: body filtering", () => {
  const sqs = (body: string) => ({ messageId: "059f36b4-87a3-44ab-83d2-661975830a7d", body, eventSource: "aws:sqs", awsRegion: "us-west-2" });
  const json = (code: string, n = 1234) => sqs(JSON.stringify({ RecordNumber: n, TimeStamp: "yyyy-mm-ddThh:mm:ss", RequestCode: code }));
  runFilterTable([
    { pattern: { body: { RequestCode: ["BBBB"] } }, record: json("AAAA"), want: false, why: "RequestCode AAAA is not BBBB", options: SQS },
    { pattern: { body: { RequestCode: ["BBBB"] } }, record: json("BBBB"), want: true, why: "RequestCode BBBB", options: SQS },
    { pattern: { body: { RecordNumber: [{ numeric: [">", 9999] }] } }, record: json("AAAA", 1234), want: false, why: "RecordNumber 1234 is not > 9999", options: SQS },
    { pattern: { body: { RecordNumber: [{ numeric: [">", 9999] }] } }, record: json("AAAA", 10000), want: true, why: "RecordNumber 10000 > 9999", options: SQS },
    { pattern: { body: ["hello"] }, record: sqs("hello"), want: true, why: "table: plain-string body, plain-string pattern: filtered", options: SQS },
    { pattern: { body: ["hello"] }, record: sqs("goodbye"), want: false, why: "table: plain-string pattern that does not match", options: SQS },
    { pattern: { awsRegion: ["us-west-2"] }, record: sqs("hello"), want: true, why: "table: plain-string body, no body pattern: metadata only", options: SQS },
    { pattern: { body: { RequestCode: ["BBBB"] } }, record: sqs("RequestCode BBBB"), want: false, why: "table: plain-string body, JSON pattern: dropped", options: SQS },
    { pattern: { body: [{ prefix: "{" }] }, record: json("BBBB"), want: false, why: "table: JSON body, plain-string pattern: dropped", options: SQS },
    { pattern: { awsRegion: ["us-west-2"] }, record: json("BBBB"), want: true, why: "table: JSON body, no body pattern: metadata only", options: SQS },
    { pattern: { awsRegion: ["eu-west-1"] }, record: json("BBBB"), want: false, why: "table: metadata only, and it does not match", options: SQS },
    { pattern: { body: { RequestCode: [{ exists: false }] } }, record: sqs("hello"), want: false, why: "table: plain-string body, JSON pattern: dropped, even one only exists:false would pass", options: SQS },
    { pattern: { body: { RequestCode: [{ exists: false }] } }, record: sqs('{"RecordNumber":1}'), want: true, why: "JSON body without RequestCode: exists:false holds", options: SQS },
    { pattern: { body: [{ exists: false }] }, record: json("BBBB"), want: false, why: "table: JSON body, plain-string pattern: dropped, even exists:false", options: SQS },
  ]);
});

describe("LDG1: Kinesis data and Properly filtering Kinesis messages", () => {
  const kinesis = (partitionKey: string, data: string) => ({ partitionKey, data, sequenceNumber: "49590338271490256608559692538361571095921575989136588898" });
  const la = kinesis("1", b64({ Location: "Los Angeles" }));
  runFilterTable([
    { pattern: { partitionKey: ["1"], data: { Location: ["Los Angeles"] } }, record: la, want: true, why: "Filtering examples: partitionKey 1 and data.Location Los Angeles", options: KINESIS },
    { pattern: { partitionKey: ["1"], data: { Location: ["Los Angeles"] } }, record: kinesis("2", la.data), want: false, why: "same, another partitionKey", options: KINESIS },
    { pattern: { data: { Temperature: [{ numeric: [">", 50, "<=", 60] }] } }, record: kinesis("1", b64({ Temperature: 55 })), want: true, why: "Temperature 55 in (50, 60]", options: KINESIS },
    { pattern: { data: { Temperature: [{ numeric: [">", 50, "<=", 60] }] } }, record: kinesis("1", b64({ City: "Seattle", Temperature: "46" })), want: false, why: "the page's record: Temperature \"46\", a string", options: KINESIS },
    { pattern: { data: { Location: ["Los Angeles"] } }, record: kinesis("1", b64("not json")), want: false, why: "table: non-JSON data, JSON pattern: dropped", options: KINESIS },
    { pattern: { partitionKey: ["1"] }, record: kinesis("1", b64("not json")), want: true, why: "table: non-JSON data, no data pattern: metadata only", options: KINESIS },
    { pattern: { partitionKey: ["1"] }, record: la, want: true, why: "table: JSON data, no data pattern: metadata only", options: KINESIS },
  ]);
});

describe("EBC: content filtering", () => {
  // The operators pages' example EC2 event, with the detail fields their patterns test.
  const ec2 = {
    version: "0",
    id: "ddddd4-aaaa-7777-4444-345499999999",
    "detail-type": "EC2 Instance State-change Notification",
    source: "aws.ec2",
    account: "123456789012",
    time: "2017-10-02T18:43:48Z",
    region: "us-east-1",
    resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341"],
    detail: { "instance-id": "i-02ebd4584a2ebd341", state: "running", "c-count": 5, "d-count": 3, "x-limit": 301.8, sourceIPAddress: "10.0.0.33" },
  };
  const withDetail = (d: object) => ({ ...ec2, detail: { ...ec2.detail, ...d } });
  const complex = {
    time: [{ prefix: "2017-10-02" }],
    detail: {
      state: [{ "anything-but": "initializing" }],
      "c-count": [{ numeric: [">", 0, "<=", 5] }],
      "d-count": [{ numeric: ["<", 10] }],
      "x-limit": [{ "anything-but": [100, 200, 300] }],
    },
  };
  runFilterTable([
    { pattern: { time: [{ prefix: "2017-10-02" }] }, record: ec2, want: true, why: "Prefix: time 2017-10-02T18:43:48Z" },
    { pattern: { time: [{ prefix: "2017-10-02" }] }, record: { ...ec2, time: "2017-10-03T00:00:00Z" }, want: false, why: "Prefix: another day" },
    { pattern: { detail: { state: [{ "anything-but": "initializing" }] } }, record: withDetail({ state: "initializing" }), want: false, why: "Anything-but string" },
    { pattern: { detail: { "x-limit": [{ "anything-but": 123 }] } }, record: withDetail({ "x-limit": 124 }), want: true, why: "Anything-but number" },
    { pattern: { detail: { "x-limit": [{ "anything-but": 123 }] } }, record: withDetail({ "x-limit": 123 }), want: false, why: "Anything-but number, equal" },
    { pattern: { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } }, record: withDetail({ state: "overloaded" }), want: false, why: "Anything-but list of strings" },
    { pattern: { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } }, record: ec2, want: true, why: "Anything-but list of strings: running" },
    { pattern: { detail: { "x-limit": [{ "anything-but": [100, 200, 300] }] } }, record: withDetail({ "x-limit": 200 }), want: false, why: "Anything-but list of numbers" },
    { pattern: { detail: { state: [{ "anything-but": { prefix: "init" } }] } }, record: withDetail({ state: "initializing" }), want: false, why: "Anything-but prefix init" },
    { pattern: { detail: { state: [{ "anything-but": { prefix: "init" } }] } }, record: ec2, want: true, why: "Anything-but prefix: running" },
    {
      pattern: { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }], "d-count": [{ numeric: ["<", 10] }], "x-limit": [{ numeric: ["=", 3.018e2] }] } },
      record: ec2,
      want: true,
      why: "Numeric matching: c-count 5, d-count 3, x-limit 301.8 = 3.018e2",
    },
    {
      pattern: { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }], "d-count": [{ numeric: ["<", 10] }], "x-limit": [{ numeric: ["=", 3.018e2] }] } },
      record: withDetail({ "d-count": 10 }),
      want: false,
      why: "Numeric matching: d-count 10 is not < 10",
    },
    { pattern: { detail: { sourceIPAddress: [{ cidr: "10.0.0.0/24" }] } }, record: ec2, want: true, why: "IP address matching: 10.0.0.33 in 10.0.0.0/24" },
    { pattern: { detail: { sourceIPAddress: [{ cidr: "10.0.0.0/24" }] } }, record: withDetail({ sourceIPAddress: "10.0.1.1" }), want: false, why: "IP address matching: 10.0.1.1 outside" },
    { pattern: { detail: { sourceIPAddress: [{ cidr: "2001:db8::/32" }] } }, record: withDetail({ sourceIPAddress: "2001:db8:85a3::8a2e:370:7334" }), want: true, why: "IP address matching works for IPv6" },
    {
      pattern: { detail: { state: [{ exists: true }] } },
      record: { ...ec2, time: "2015-11-11T21:29:54Z", detail: { "instance-id": "i-abcd1111", state: "pending" } },
      want: true,
      why: "Exists matching: the page's matching event",
    },
    {
      pattern: { detail: { state: [{ exists: true }] } },
      record: { "detail-type": ["EC2 Instance State-change Notification"], resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-02ebd4584a2ebd341"], detail: { "c-count": { c1: 100 } } },
      want: false,
      why: "Exists matching: the page's event without detail.state",
    },
    { pattern: complex, record: ec2, want: true, why: "Complex example with multiple matching" },
    { pattern: complex, record: withDetail({ "x-limit": 300 }), want: false, why: "Complex example: x-limit 300 is excluded" },
  ]);
  // "If you include a key more than once the last reference will be the one used": JSON.parse keeps the last.
  runFilterTable([
    {
      pattern: JSON.parse('{"detail":{"location":[{"prefix":"us-"}],"location":[{"anything-but":"us-east"}]}}') as object,
      record: { detail: { location: "eu-west" } },
      want: true,
      why: "Note: a repeated key, only the last (anything-but us-east) counts",
    },
  ]);
});

describe("EBN and EBA: null, empty, arrays", () => {
  const asg = {
    version: "0",
    "detail-type": "EC2 Instance Launch Successful",
    source: "aws.autoscaling",
    resources: [],
    detail: { eventVersion: "", responseElements: null },
  };
  const pattern = { resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f", "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f", "arn:aws:ec2:us-east-1:444455556666:instance/i-b188560f"] };
  runFilterTable([
    { pattern: { detail: { eventVersion: [""] } }, record: asg, want: true, why: "EBN: eventVersion is an empty string" },
    { pattern: { detail: { responseElements: [null] } }, record: asg, want: true, why: "EBN: responseElements is null" },
    { pattern: { source: ["aws.autoscaling"], "detail-type": ["EC2 Instance Launch Successful"], detail: { responseElements: [null] } }, record: asg, want: true, why: "EBP Field matching example" },
    { pattern: { detail: { responseElements: [""] } }, record: asg, want: false, why: "EBN: null and empty strings are not interchangeable" },
    {
      pattern,
      record: { resources: ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b-bbf0-401d-b893-d5978ed4a025:autoScalingGroupName/ASGTerminate", "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f"] },
      want: true,
      why: "EBA: the intersection of pattern and event arrays is non-empty",
    },
    { pattern, record: { resources: ["arn:aws:ec2:us-east-1:999999999999:instance/i-b188560f"] }, want: false, why: "EBA: empty intersection" },
    { pattern, record: asg, want: false, why: "EBA: an empty event array matches no value" },
    {
      pattern: { detail: { items: { name: ["b"], qty: [{ numeric: [">", 2] }] } } },
      record: { detail: { items: [{ name: "a", qty: 1 }, { name: "b", qty: 5 }] } },
      want: true,
      why: "EBA applied to an array of objects: one element satisfies the nested pattern",
    },
    {
      pattern: { detail: { items: { name: ["b"], qty: [{ numeric: [">", 2] }] } } },
      record: { detail: { items: [{ name: "a", qty: 5 }, { name: "b", qty: 1 }] } },
      want: false,
      why: "array of objects: fields are matched within one element, not across elements (Event Ruler's array consistency)",
    },
  ]);
});

describe("EBO: suffix, ignore case, wildcard, anything-but forms, $or", () => {
  runFilterTable([
    { pattern: { service: [{ prefix: { "equals-ignore-case": "eventb" } }] }, record: { service: "EventBridge" }, want: true, why: "Begins with (ignore case)" },
    { pattern: { FileName: [{ suffix: { "equals-ignore-case": ".png" } }] }, record: { FileName: "cat.PNG" }, want: true, why: "Ends with (ignore case)" },
    { pattern: { Region: [{ "anything-but": { prefix: "us-" } }] }, record: { Region: "us-east-1" }, want: false, why: "Anything-but (begins with): Region is not in the US" },
    { pattern: { Region: [{ "anything-but": { prefix: "us-" } }] }, record: { Region: "eu-west-1" }, want: true, why: "Anything-but (begins with): eu-west-1" },
    { pattern: { FileName: [{ "anything-but": { suffix: ".png" } }] }, record: { FileName: "a.txt" }, want: true, why: "Anything-but (ends with)" },
    { pattern: { FileName: [{ "anything-but": { suffix: ".png" } }] }, record: { FileName: "a.png" }, want: false, why: "Anything-but (ends with): .png" },
    { pattern: { state: [{ "anything-but": { "equals-ignore-case": "initializing" } }] }, record: { state: "INITIALIZING" }, want: false, why: "Anything-but (ignore case)" },
    { pattern: { state: [{ "anything-but": { "equals-ignore-case": ["Stopped", "OverLoaded"] } }] }, record: { state: "running" }, want: true, why: "Anything-but (ignore case) list" },
    { pattern: { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] }, record: { FilePath: "/usr/lib/x.so" }, want: false, why: "Anything-but using a wildcard: path includes /lib/" },
    { pattern: { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] }, record: { FilePath: "/usr/bin/x" }, want: true, why: "Anything-but using a wildcard: no /lib/" },
    { pattern: { EventBusArn: [{ wildcard: "arn:aws:events:us-east-1:*:event-bus/*" }] }, record: { EventBusArn: "arn:aws:events:us-east-1:123456789012:event-bus/default" }, want: true, why: "Wildcard" },
    { pattern: { EventBusArn: [{ wildcard: "arn:aws:events:us-east-1:*:event-bus/*" }] }, record: { EventBusArn: "arn:aws:events:eu-west-1:123456789012:event-bus/default" }, want: false, why: "Wildcard: another region" },
    { pattern: { name: [{ wildcard: "a\\*b" }] }, record: { name: "a*b" }, want: true, why: "Wildcard: \\* is a literal star" },
    { pattern: { name: [{ wildcard: "a\\*b" }] }, record: { name: "axxb" }, want: false, why: "Wildcard: \\* does not match other text" },
    {
      pattern: { detail: { $or: [{ "c-count": [{ numeric: [">", 0, "<=", 5] }] }, { "d-count": [{ numeric: ["<", 10] }] }, { "x-limit": [{ numeric: ["<", 10] }] }] } },
      record: { detail: { "c-count": 50, "d-count": 50, "x-limit": 3 } },
      want: true,
      why: "$or nested in detail: only x-limit < 10",
    },
    {
      pattern: { source: ["aws.ec2"], $or: [{ "detail-type": ["EC2 Instance State-change Notification"] }, { detail: { state: [{ "anything-but": "initializing" }] } }] },
      record: { source: "aws.ec2", "detail-type": "Other", detail: { state: "initializing" } },
      want: false,
      why: "$or beside a field: source matches, neither branch does",
    },
  ]);
});

describe("FilterCriteria: several filters are ORed; none passes everything", () => {
  runFilterTable([
    { pattern: [{ a: [1] }, { b: [2] }], record: { b: 2 }, want: true, why: "LDG: a record that satisfies one filter is included" },
    { pattern: [{ a: [1] }, { b: [2] }], record: { a: 2, b: 1 }, want: false, why: "LDG: if none of the filters are satisfied, Lambda discards the record" },
    { pattern: [], record: { anything: true }, want: true, why: "LDG: no filters (FilterCriteria {}) means no filtering" },
  ]);
});
