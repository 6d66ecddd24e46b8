/**
 * Lambda's event source mapping API through @aws-sdk/client-lambda: Create/Get/List/Update/Delete
 * EventSourceMapping on fnmesh's four source kinds, their errors, and the EventSourceMappingView in
 * EVENT_SOURCES_BUCKET (what trigger replicas read) after every call.
 * Expected shapes and texts: what AWS answered in localstack/localstack
 * tests/aws/services/lambda_/test_lambda_api.snapshot.json (TestLambdaEventSourceMappings, recorded
 * against AWS): Create 202 with State "Creating", Delete 202 with State "Deleting", stream sources'
 * members (StartingPosition, MaximumRetryAttempts -1, DestinationConfig.OnFailure {}, BisectBatchOnFunctionError
 * false, MaximumRecordAgeInSeconds -1, ParallelizationFactor 1, TumblingWindowInSeconds 0,
 * LastProcessingResult, StateTransitionReason "User action"), SQS-like ones with "USER_INITIATED";
 * "The resource you requested does not exist." (404), "Function does not exist" (400),
 * "Unrecognized event source.", the null startingPosition text, "Unsupported DestinationConfig
 * parameter for given event source mapping type."; "Timestamp only valid with StartingPosition
 * AT_TIMESTAMP" (event_source_mapping/test_api.snapshot.json); the batch size text from AWS's answer
 * quoted in pulumi/pulumi-aws-serverless#20; the filter grammar's refusals as @fnmesh/event-filter words them;
 * fnmesh's own texts for its ARNs.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import {
  CreateEventSourceMappingCommand, CreateFunctionCommand, DeleteEventSourceMappingCommand, GetEventSourceMappingCommand,
  ListEventSourceMappingsCommand, UpdateEventSourceMappingCommand, type CreateEventSourceMappingCommandInput, type ListEventSourceMappingsCommandInput,
} from "@aws-sdk/client-lambda";
import { Kvm, type KV } from "@nats-io/kv";
import { EVENT_SOURCES_BUCKET, EventSourceMappingView, eventSourceKeys } from "@fnmesh/protocol";
import { randomName } from "@fnmesh/test-harness";
import { startStack, type Stack } from "./support/stack.ts";
import { zipOf } from "./support/zip.ts";

const ACCOUNT = "000000000000";
const REGION = "us-east-1";
const ZIP = zipOf({ "index.mjs": "export const handler = async (e) => e;" });
const fnName = (prefix: string) => randomName(prefix).replace(/_/g, "-");
const fnArn = (name: string, qualifier?: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}${qualifier ? `:${qualifier}` : ""}`;
const jetstreamArn = (stream: string) => `arn:fnmesh:jetstream:${REGION}:${ACCOUNT}:stream/${stream}`;
const natsArn = (subject: string) => `arn:fnmesh:nats:${REGION}:${ACCOUNT}:subject/${subject}`;
const postgresArn = (table: string) => `arn:fnmesh:postgres:${REGION}:${ACCOUNT}:table/dev/public.${table}`;
const esmArn = (uuid: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:event-source-mapping:${uuid}`;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let stack: Stack;
let views: KV;
before(async () => {
  stack = await startStack({ scheduler: false });
  views = await new Kvm(stack.nc).open(EVENT_SOURCES_BUCKET);
});
after(async () => { await stack?.[Symbol.asyncDispose](); });

async function createFunction(prefix = "esm"): Promise<string> {
  const name = fnName(prefix);
  await stack.lambda.send(new CreateFunctionCommand({
    FunctionName: name, Runtime: "nodejs22.x", Role: `arn:aws:iam::${ACCOUNT}:role/test`, Handler: "index.handler", Code: { ZipFile: ZIP },
  }));
  return name;
}

/** The view under the mapping's UUID, or undefined when the key holds none. */
async function viewOf(uuid: string): Promise<EventSourceMappingView | undefined> {
  const entry = await views.get(eventSourceKeys.mapping(uuid));
  return entry?.operation === "PUT" ? EventSourceMappingView.parse(entry.json()) : undefined;
}

type AwsError = Error & { $metadata?: { httpStatusCode?: number } };
async function rejectsWith(promise: Promise<unknown>, name: string, status: number, message: string | RegExp): Promise<void> {
  await assert.rejects(promise, (err: AwsError) => {
    assert.equal(err.name, name, err.message);
    assert.equal(err.$metadata?.httpStatusCode, status);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

const create = (input: CreateEventSourceMappingCommandInput) => stack.lambda.send(new CreateEventSourceMappingCommand(input));
const strip = <T extends { $metadata?: unknown; LastModified?: unknown }>(out: T) => {
  const { $metadata: _m, LastModified: _l, ...rest } = out;
  return rest;
};

test("a JetStream mapping: create (Creating), get (Enabled), disable, update, enable, delete (Deleting) — each published to EVENT_SOURCES_BUCKET", async () => {
  const fn = await createFunction();
  const stream = randomName("orders");
  // The stream exists, so the stack's trigger starts the mapping without a problem to report and,
  // with nothing published, LastProcessingResult stays "No records processed".
  await (await jetstreamManager(stack.nc)).streams.add({ name: stream, subjects: [`${stream}.>`] });
  const filters = { Filters: [{ Pattern: JSON.stringify({ data: { kind: ["order"] } }) }] };
  const onFailure = natsArn("orders.failed");
  const created = await create({
    FunctionName: fn, EventSourceArn: jetstreamArn(stream), StartingPosition: "TRIM_HORIZON", BatchSize: 50,
    MaximumBatchingWindowInSeconds: 2, FilterCriteria: filters, FunctionResponseTypes: ["ReportBatchItemFailures"],
    MaximumRetryAttempts: 3, DestinationConfig: { OnFailure: { Destination: onFailure } },
  });
  assert.equal(created.$metadata.httpStatusCode, 202);
  const uuid = created.UUID ?? "";
  assert.match(uuid, UUID);
  assert.ok(created.LastModified instanceof Date && Math.abs(created.LastModified.getTime() - Date.now()) < 60_000);
  const expected = {
    UUID: uuid, BatchSize: 50, EventSourceArn: jetstreamArn(stream), EventSourceMappingArn: esmArn(uuid), FunctionArn: fnArn(fn),
    FunctionResponseTypes: ["ReportBatchItemFailures"], MaximumBatchingWindowInSeconds: 2, FilterCriteria: filters,
    BisectBatchOnFunctionError: false, DestinationConfig: { OnFailure: { Destination: onFailure } }, LastProcessingResult: "No records processed",
    MaximumRecordAgeInSeconds: -1, MaximumRetryAttempts: 3, ParallelizationFactor: 1, StartingPosition: "TRIM_HORIZON",
    StateTransitionReason: "User action", TumblingWindowInSeconds: 0,
  };
  assert.deepEqual(strip(created), { ...expected, State: "Creating" });
  const view = await viewOf(uuid);
  assert.ok(view, "the view is published before Create answers");
  assert.deepEqual({ ...view, revision: "", lastModified: 0 }, {
    v: 1, uuid, functionName: fn, eventSourceArn: jetstreamArn(stream), source: { kind: "jetstream", stream }, state: "Enabled",
    batchSize: 50, maximumBatchingWindowInSeconds: 2, startingPosition: "TRIM_HORIZON",
    filterCriteria: { filters: [{ pattern: filters.Filters[0]!.Pattern }] }, functionResponseTypes: ["ReportBatchItemFailures"],
    maximumRetryAttempts: 3, onFailure, revision: "", lastModified: 0,
  });
  assert.equal(view.lastModified, created.LastModified?.getTime());

  const got = await stack.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
  assert.equal(got.$metadata.httpStatusCode, 200);
  assert.deepEqual(strip(got), { ...expected, State: "Enabled" });

  const disabled = await stack.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: false }));
  assert.equal(disabled.$metadata.httpStatusCode, 202);
  assert.deepEqual(strip(disabled), { ...expected, State: "Disabling" });
  const disabledView = await viewOf(uuid);
  assert.equal(disabledView?.state, "Disabled");
  assert.notEqual(disabledView?.revision, view.revision);
  assert.equal((await stack.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }))).State, "Disabled");

  // Given members replace; absent ones stay; an empty FilterCriteria and OnFailure remove theirs.
  const updated = await stack.lambda.send(new UpdateEventSourceMappingCommand({
    UUID: uuid, BatchSize: 500, FilterCriteria: {}, DestinationConfig: { OnFailure: {} }, FunctionName: fnArn(fn, "$LATEST"),
  }));
  const { FilterCriteria: _f, ...withoutFilters } = expected;
  assert.deepEqual(strip(updated), {
    ...withoutFilters, BatchSize: 500, DestinationConfig: { OnFailure: {} }, FunctionArn: fnArn(fn, "$LATEST"), State: "Updating",
  });
  const updatedView = await viewOf(uuid);
  assert.deepEqual([updatedView?.batchSize, updatedView?.filterCriteria, updatedView?.onFailure, updatedView?.functionQualifier, updatedView?.state],
    [500, undefined, undefined, "$LATEST", "Disabled"]);

  const enabled = await stack.lambda.send(new UpdateEventSourceMappingCommand({ UUID: uuid, Enabled: true }));
  assert.equal(enabled.State, "Enabling");
  assert.equal((await viewOf(uuid))?.state, "Enabled");

  const deleted = await stack.lambda.send(new DeleteEventSourceMappingCommand({ UUID: uuid }));
  assert.equal(deleted.$metadata.httpStatusCode, 202);
  assert.equal(deleted.State, "Deleting");
  assert.equal(deleted.UUID, uuid);
  assert.equal(await viewOf(uuid), undefined, "the view is removed before Delete answers");
  await rejectsWith(stack.lambda.send(new GetEventSourceMappingCommand({ UUID: uuid })), "ResourceNotFoundException", 404,
    "The resource you requested does not exist.");
});

test("per-message and change-feed sources: defaults per kind and their views", async () => {
  const fn = await createFunction();
  const subject = `${randomName("orders")}.*.new`;
  const nats = await create({ FunctionName: fn, EventSourceArn: natsArn(subject) });
  assert.deepEqual(strip(nats), {
    UUID: nats.UUID, BatchSize: 1, EventSourceArn: natsArn(subject), EventSourceMappingArn: esmArn(nats.UUID ?? ""), FunctionArn: fnArn(fn),
    FunctionResponseTypes: [], MaximumBatchingWindowInSeconds: 0, State: "Creating", StateTransitionReason: "USER_INITIATED",
  });
  assert.deepEqual((await viewOf(nats.UUID ?? ""))?.source, { kind: "nats", subject });

  const bucket = randomName("uploads").toLowerCase().replace(/_/g, "-");
  const s3 = await create({ FunctionName: fn, EventSourceArn: `arn:aws:s3:::${bucket}`, Enabled: false });
  assert.deepEqual([s3.BatchSize, s3.State], [1, "Creating"]);
  const s3View = await viewOf(s3.UUID ?? "");
  assert.deepEqual([s3View?.source, s3View?.state], [{ kind: "s3", bucket }, "Disabled"]);

  const table = randomName("orders").toLowerCase();
  const pg = await create({ FunctionName: fn, EventSourceArn: postgresArn(table) });
  assert.deepEqual([pg.BatchSize, pg.StartingPosition, pg.MaximumRetryAttempts, pg.DestinationConfig], [100, "LATEST", -1, { OnFailure: {} }]);
  assert.deepEqual((await viewOf(pg.UUID ?? ""))?.source, { kind: "postgres", source: "dev", schema: "public", table });

  const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 3_600_000);
  const js = await create({ FunctionName: fn, EventSourceArn: jetstreamArn(randomName("s")), StartingPosition: "AT_TIMESTAMP", StartingPositionTimestamp: at });
  assert.deepEqual([js.StartingPosition, js.StartingPositionTimestamp?.getTime()], ["AT_TIMESTAMP", at.getTime()]);
  assert.equal((await viewOf(js.UUID ?? ""))?.startingPositionTimestamp, at.getTime());
});

test("list by function, by source, by both, paged with MaxItems and Marker", async () => {
  const f = await createFunction("list_f");
  const g = await createFunction("list_g");
  const shared = jetstreamArn(randomName("shared"));
  const mine = natsArn(`${randomName("mine")}.>`);
  const made = [
    await create({ FunctionName: f, EventSourceArn: shared, StartingPosition: "LATEST" }),
    await create({ FunctionName: g, EventSourceArn: shared, StartingPosition: "LATEST" }),
    await create({ FunctionName: f, EventSourceArn: mine }),
  ];
  const uuids = (list: { UUID?: string }[] | undefined) => (list ?? []).map((m) => m.UUID ?? "").sort();
  const list = (input: ListEventSourceMappingsCommandInput) => stack.lambda.send(new ListEventSourceMappingsCommand(input));

  assert.deepEqual(uuids((await list({ FunctionName: f })).EventSourceMappings), uuids([made[0]!, made[2]!]));
  assert.deepEqual(uuids((await list({ FunctionName: fnArn(g) })).EventSourceMappings), uuids([made[1]!]));
  assert.deepEqual(uuids((await list({ EventSourceArn: shared })).EventSourceMappings), uuids([made[0]!, made[1]!]));
  assert.deepEqual(uuids((await list({ EventSourceArn: shared, FunctionName: g })).EventSourceMappings), uuids([made[1]!]));
  const listed = (await list({ FunctionName: f })).EventSourceMappings?.find((m) => m.UUID === made[2]!.UUID);
  assert.equal(listed?.State, "Enabled", "List answers the stored state, as Get does");

  const pages: string[][] = [];
  let marker: string | undefined;
  do {
    const page = await list({ FunctionName: f, MaxItems: 1, ...(marker ? { Marker: marker } : {}) });
    pages.push(uuids(page.EventSourceMappings));
    marker = page.NextMarker;
  } while (marker);
  assert.deepEqual(pages.flat().sort(), uuids([made[0]!, made[2]!]));
  assert.deepEqual(pages.map((p) => p.length), [1, 1]);
  await rejectsWith(list({ MaxItems: 0 }), "ValidationException", 400,
    "1 validation error detected: Value '0' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1");
  await rejectsWith(list({ Marker: "not-a-marker" }), "InvalidParameterValueException", 400, "Marker is not a valid pagination token.");
});

test("errors: unknown function or UUID, bad and foreign ARNs, batch sizes per kind, starting positions, destinations, filters, duplicates", async () => {
  const fn = await createFunction();
  const stream = jetstreamArn(randomName("s"));
  const missing = "6f1c2e0a-3b4d-4c5e-8f70-112233445566";
  const notFound = "The resource you requested does not exist.";
  await rejectsWith(stack.lambda.send(new GetEventSourceMappingCommand({ UUID: missing })), "ResourceNotFoundException", 404, notFound);
  await rejectsWith(stack.lambda.send(new UpdateEventSourceMappingCommand({ UUID: missing, Enabled: false })), "ResourceNotFoundException", 404, notFound);
  await rejectsWith(stack.lambda.send(new DeleteEventSourceMappingCommand({ UUID: missing })), "ResourceNotFoundException", 404, notFound);

  await rejectsWith(create({ FunctionName: fnName("missing"), EventSourceArn: stream, StartingPosition: "LATEST" }),
    "InvalidParameterValueException", 400, "Function does not exist");
  await rejectsWith(create({ FunctionName: `${fn}:7`, EventSourceArn: stream, StartingPosition: "LATEST" }),
    "InvalidParameterValueException", 400, "Function does not exist");
  await rejectsWith(create({ FunctionName: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${fn}`, EventSourceArn: stream, StartingPosition: "LATEST" }),
    "ResourceNotFoundException", 404, "Functions from 'eu-west-1' are not reachable in this region ('us-east-1')");
  await rejectsWith(create({ FunctionName: `arn:aws:lambda:${REGION}:111111111111:function:${fn}`, EventSourceArn: stream, StartingPosition: "LATEST" }),
    "AccessDeniedException", 403, /is not authorized to perform: lambda:CreateEventSourceMapping/);

  await rejectsWith(create({ FunctionName: fn }), "InvalidParameterValueException", 400, "Unrecognized event source.");
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: `arn:aws:sqs:${REGION}:${ACCOUNT}:q` }), "InvalidParameterValueException", 400,
    /^The event source ARN arn:aws:sqs:\S+ is invalid: use arn:aws:s3:::<bucket>/);
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: `arn:fnmesh:jetstream:eu-west-1:${ACCOUNT}:stream/S` }), "InvalidParameterValueException", 400,
    `The event source ARN arn:fnmesh:jetstream:eu-west-1:${ACCOUNT}:stream/S is not in this region and account (${REGION}, ${ACCOUNT}).`);
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: `arn:fnmesh:nats:${REGION}:111111111111:subject/a` }), "InvalidParameterValueException", 400,
    /is not in this region and account/);
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: natsArn("fnmesh.async.x") }), "InvalidParameterValueException", 400, /valid NATS subject/);

  // BatchSize: the model's range first (ValidationException), then each kind's.
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: stream, StartingPosition: "LATEST", BatchSize: 10_001 }), "ValidationException", 400,
    "1 validation error detected: Value '10001' at 'batchSize' failed to satisfy constraint: Member must have value less than or equal to 10000");
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: stream, StartingPosition: "LATEST", BatchSize: 0 }), "ValidationException", 400,
    "1 validation error detected: Value '0' at 'batchSize' failed to satisfy constraint: Member must have value greater than or equal to 1");
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: natsArn("a.b"), BatchSize: 2 }), "InvalidParameterValueException", 400,
    "Maximum batch size must be between 1 and 1 inclusive");
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: "arn:aws:s3:::bucket-x", BatchSize: 10 }), "InvalidParameterValueException", 400,
    "Maximum batch size must be between 1 and 1 inclusive");
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: stream, StartingPosition: "LATEST", MaximumBatchingWindowInSeconds: 301 }), "ValidationException", 400,
    "1 validation error detected: Value '301' at 'maximumBatchingWindowInSeconds' failed to satisfy constraint: Member must have value less than or equal to 300");

  await rejectsWith(create({ FunctionName: fn, EventSourceArn: stream }), "InvalidParameterValueException", 400,
    "1 validation error detected: Value null at 'startingPosition' failed to satisfy constraint: Member must not be null.");
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: postgresArn("t"), StartingPosition: "TRIM_HORIZON" }), "InvalidParameterValueException", 400,
    `Unsupported starting position for arn type: ${postgresArn("t")}`);
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: stream, StartingPosition: "LATEST", StartingPositionTimestamp: new Date() }),
    "InvalidParameterValueException", 400, "Timestamp only valid with StartingPosition AT_TIMESTAMP");
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: natsArn("a.b"), StartingPosition: "LATEST" }), "InvalidParameterValueException", 400,
    "StartingPosition is not valid for NATS event sources.");

  await rejectsWith(create({ FunctionName: fn, EventSourceArn: stream, StartingPosition: "LATEST", DestinationConfig: { OnSuccess: { Destination: natsArn("ok") } } }),
    "InvalidParameterValueException", 400, "Unsupported DestinationConfig parameter for given event source mapping type.");
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: natsArn("a.b"), DestinationConfig: { OnFailure: { Destination: natsArn("failed") } } }),
    "InvalidParameterValueException", 400, "Unsupported DestinationConfig parameter for given event source mapping type.");
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: stream, StartingPosition: "LATEST", FilterCriteria: { Filters: [{ Pattern: "not json" }] } }),
    "InvalidParameterValueException", 400, "Invalid filter pattern definition.");
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: stream, StartingPosition: "LATEST", FilterCriteria: { Filters: [{ Pattern: "[1]" }] } }),
    "InvalidParameterValueException", 400, "Invalid filter pattern definition.");
  // The grammar, checked by @fnmesh/event-filter: a leaf must be a list; numeric needs operator and value.
  for (const pattern of [{ data: { kind: "order" } }, { data: { n: [{ numeric: [">"] }] } }]) {
    await rejectsWith(create({ FunctionName: fn, EventSourceArn: stream, StartingPosition: "LATEST", FilterCriteria: { Filters: [{ Pattern: JSON.stringify(pattern) }] } }),
      "InvalidParameterValueException", 400, "Invalid filter pattern definition.");
  }
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: stream, StartingPosition: "LATEST",
    FilterCriteria: { Filters: Array.from({ length: 6 }, (_, i) => ({ Pattern: JSON.stringify({ data: { n: [i] } }) })) } }),
  "InvalidParameterValueException", 400, "The number of filters (6) exceeds the maximum allowed (5).");

  // None of the refused calls left a mapping behind.
  assert.deepEqual((await stack.lambda.send(new ListEventSourceMappingsCommand({ FunctionName: fn }))).EventSourceMappings, []);

  const first = await create({ FunctionName: fn, EventSourceArn: stream, StartingPosition: "LATEST" });
  await rejectsWith(create({ FunctionName: fn, EventSourceArn: stream, StartingPosition: "TRIM_HORIZON" }), "ResourceConflictException", 409,
    `The event source arn (" ${stream} ") and function (" ${fn} ") provided mapping already exists. Please update or delete the existing mapping with UUID ${first.UUID}`);
  const other = await createFunction();
  const second = await create({ FunctionName: other, EventSourceArn: stream, StartingPosition: "LATEST" });
  await rejectsWith(stack.lambda.send(new UpdateEventSourceMappingCommand({ UUID: second.UUID, FunctionName: fn })), "ResourceConflictException", 409,
    /provided mapping already exists/);
  assert.equal((await viewOf(second.UUID ?? ""))?.functionName, other, "a refused update publishes nothing new");
  await rejectsWith(stack.lambda.send(new UpdateEventSourceMappingCommand({ UUID: first.UUID, BatchSize: 10_001 })), "ValidationException", 400, /at 'batchSize'/);
});
