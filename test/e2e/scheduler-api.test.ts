/**
 * EventBridge Scheduler's schedule API at ingest's endpoint, through the official SDK
 * (@aws-sdk/client-scheduler): round trips, AWS's validation texts, list paging, and the
 * ScheduleView each write publishes to SCHEDULES_BUCKET. Expected texts: "Schedule <name> does not
 * exist." (404) and "Invalid Schedule Expression <expr>." (400) recorded from AWS in
 * localstack/localstack tests/aws/services/scheduler/test_scheduler.snapshot.json, which also shows
 * GetSchedule's default RetryPolicy (86400 s / 185) and UpdateSchedule clearing a Description not sent
 * again; "Schedule <name> already exists." (409) from moto/scheduler/exceptions.py.
 */
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import {
  ConflictException, CreateScheduleCommand, DeleteScheduleCommand, GetScheduleCommand, ListSchedulesCommand,
  ResourceNotFoundException, SchedulerClient, UpdateScheduleCommand, ValidationException, paginateListSchedules,
  type CreateScheduleCommandInput,
} from "@aws-sdk/client-scheduler";
import { Kvm, type KV } from "@nats-io/kv";
import { SCHEDULES_BUCKET, ScheduleView, scheduleKeys } from "@fnmesh/protocol";
import { eventually, randomName } from "@fnmesh/test-harness";
import { CREDENTIALS, startStack, type Stack } from "./support/stack.ts";

const ACCOUNT = "000000000000";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/scheduler`;
const name = (prefix: string) => randomName(prefix).replace(/_/g, "-");

let stack: Stack;
let scheduler: SchedulerClient;
let views: KV;
before(async () => {
  stack = await startStack();
  scheduler = new SchedulerClient({ endpoint: stack.endpoint, region: stack.region, credentials: CREDENTIALS, maxAttempts: 3 });
  views = await new Kvm(stack.nc).open(SCHEDULES_BUCKET);
});
after(async () => {
  scheduler?.destroy();
  await stack?.[Symbol.asyncDispose]();
});

const fnArn = (fn: string) => `arn:aws:lambda:${stack.region}:${ACCOUNT}:function:${fn}`;
const input = (n: string, extra: Partial<CreateScheduleCommandInput> = {}): CreateScheduleCommandInput => ({
  Name: n, ScheduleExpression: "rate(5 minutes)", FlexibleTimeWindow: { Mode: "OFF" },
  Target: { Arn: fnArn("target"), RoleArn: ROLE }, ...extra,
});

async function viewOf(n: string): Promise<ScheduleView | undefined> {
  const e = await views.get(scheduleKeys.schedule("default", n));
  return e?.operation === "PUT" ? ScheduleView.parse(e.json()) : undefined;
}

function awsError(type: new (...args: never[]) => Error, message: string, status: number) {
  return (err: unknown) => {
    assert.ok(err instanceof type, `got ${(err as Error).name}: ${(err as Error).message}`);
    assert.equal(err.message, message);
    assert.equal((err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode, status);
    return true;
  };
}

test("create, get, update (a full replacement), delete — each published to SCHEDULES_BUCKET", async () => {
  const n = name("sched");
  const start = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3_600_000);
  const created = await scheduler.send(new CreateScheduleCommand(input(n, {
    ScheduleExpression: "cron(30 2 * * ? *)", ScheduleExpressionTimezone: "America/New_York", Description: "nightly",
    StartDate: start, Target: { Arn: `${fnArn("target")}:$LATEST`, RoleArn: ROLE, Input: "{\"job\":\"nightly\"}" },
  })));
  const arn = `arn:aws:scheduler:${stack.region}:${ACCOUNT}:schedule/default/${n}`;
  assert.equal(created.ScheduleArn, arn);

  const got = await scheduler.send(new GetScheduleCommand({ Name: n }));
  assert.equal(got.$metadata.httpStatusCode, 200);
  assert.deepEqual({ ...got, $metadata: undefined, CreationDate: undefined, LastModificationDate: undefined }, {
    $metadata: undefined, CreationDate: undefined, LastModificationDate: undefined,
    ActionAfterCompletion: "NONE", Arn: arn, Description: "nightly", FlexibleTimeWindow: { Mode: "OFF" }, GroupName: "default",
    Name: n, ScheduleExpression: "cron(30 2 * * ? *)", ScheduleExpressionTimezone: "America/New_York", StartDate: start, State: "ENABLED",
    Target: { Arn: `${fnArn("target")}:$LATEST`, Input: "{\"job\":\"nightly\"}", RetryPolicy: { MaximumEventAgeInSeconds: 86400, MaximumRetryAttempts: 185 }, RoleArn: ROLE },
  });
  assert.ok(got.CreationDate instanceof Date && Math.abs(got.CreationDate.getTime() - Date.now()) < 60_000);
  const view = await viewOf(n);
  assert.deepEqual({ ...view, createdAt: 0, revision: "" }, {
    v: 1, name: n, groupName: "default", arn, expression: "cron(30 2 * * ? *)", timezone: "America/New_York", state: "ENABLED",
    startDate: start.getTime(), target: { arn: `${fnArn("target")}:$LATEST`, input: "{\"job\":\"nightly\"}" },
    actionAfterCompletion: "NONE", createdAt: 0, revision: "",
  });

  const updated = await scheduler.send(new UpdateScheduleCommand({
    Name: n, ScheduleExpression: "rate(1 hour)", State: "DISABLED", FlexibleTimeWindow: { Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 },
    Target: { Arn: fnArn("other"), RoleArn: ROLE }, ActionAfterCompletion: "DELETE",
  }));
  assert.equal(updated.ScheduleArn, arn);
  const after = await scheduler.send(new GetScheduleCommand({ Name: n, GroupName: "default" }));
  assert.deepEqual([after.Description, after.StartDate, after.ScheduleExpressionTimezone, after.State, after.Target?.Input, after.FlexibleTimeWindow, after.ActionAfterCompletion],
    [undefined, undefined, "UTC", "DISABLED", undefined, { Mode: "FLEXIBLE", MaximumWindowInMinutes: 15 }, "DELETE"]);
  assert.deepEqual(after.CreationDate, got.CreationDate);
  const afterView = await viewOf(n);
  assert.equal(afterView?.state, "DISABLED");
  assert.equal(afterView?.expression, "rate(1 hour)");
  assert.notEqual(afterView?.revision, view?.revision);

  assert.equal((await scheduler.send(new DeleteScheduleCommand({ Name: n }))).$metadata.httpStatusCode, 200);
  await assert.rejects(scheduler.send(new GetScheduleCommand({ Name: n })), awsError(ResourceNotFoundException, `Schedule ${n} does not exist.`, 404));
  await assert.rejects(scheduler.send(new DeleteScheduleCommand({ Name: n })), awsError(ResourceNotFoundException, `Schedule ${n} does not exist.`, 404));
  assert.equal(await viewOf(n), undefined);
});

test("AWS's errors: expressions, conflicts, missing schedules and groups; ClientToken replays; rate(seconds) is fnmesh's extension", async () => {
  const n = name("errs");
  for (const expr of ["cron(71 8 1 * ? *)", "cron(0 1 * * * *)", "rate(10 years)", " rate(10 minutes)", "at(2021-12-31T23:59:59Z)"]) {
    await assert.rejects(scheduler.send(new CreateScheduleCommand(input(n, { ScheduleExpression: expr }))),
      awsError(ValidationException, `Invalid Schedule Expression ${expr}.`, 400));
  }
  await assert.rejects(scheduler.send(new CreateScheduleCommand(input(n, { ScheduleExpressionTimezone: "Mars/Olympus" }))),
    awsError(ValidationException, "Invalid Schedule Expression Timezone Mars/Olympus.", 400));
  await assert.rejects(scheduler.send(new CreateScheduleCommand(input(n, { GroupName: "team" }))),
    awsError(ResourceNotFoundException, "Schedule group team does not exist.", 404));
  await assert.rejects(scheduler.send(new CreateScheduleCommand(input(n, { Target: { Arn: `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:x`, RoleArn: ROLE } }))),
    (err: unknown) => err instanceof ValidationException && /^Invalid target arn:aws:lambda:eu-west-1/.test(err.message));
  await assert.rejects(scheduler.send(new CreateScheduleCommand(input(n, { Target: { Arn: fnArn("x"), RoleArn: "not-a-role" } }))),
    (err: unknown) => err instanceof ValidationException && err.message.startsWith("1 validation error detected: Value 'not-a-role' at 'target.roleArn'"));
  await assert.rejects(scheduler.send(new GetScheduleCommand({ Name: n })), awsError(ResourceNotFoundException, `Schedule ${n} does not exist.`, 404));
  await assert.rejects(scheduler.send(new UpdateScheduleCommand(input(n))), awsError(ResourceNotFoundException, `Schedule ${n} does not exist.`, 404));

  const first = await scheduler.send(new CreateScheduleCommand(input(n, { ScheduleExpression: "rate(10 seconds)", ClientToken: "token-1" })));
  const replay = await scheduler.send(new CreateScheduleCommand(input(n, { ScheduleExpression: "rate(10 seconds)", ClientToken: "token-1" })));
  assert.equal(replay.ScheduleArn, first.ScheduleArn);
  await assert.rejects(scheduler.send(new CreateScheduleCommand(input(n, { ClientToken: "token-2" }))), awsError(ConflictException, `Schedule ${n} already exists.`, 409));
  await assert.rejects(scheduler.send(new GetScheduleCommand({ Name: n, GroupName: "team" })), awsError(ResourceNotFoundException, "Schedule group team does not exist.", 404));
  await scheduler.send(new DeleteScheduleCommand({ Name: n }));
});

test("ListSchedules filters by NamePrefix and State and pages with NextToken", async () => {
  const prefix = name("list");
  const names = [1, 2, 3, 4, 5].map((i) => `${prefix}-${i}`);
  for (const [i, n] of names.entries()) await scheduler.send(new CreateScheduleCommand(input(n, { State: i === 1 ? "DISABLED" : "ENABLED" })));
  const page1 = await scheduler.send(new ListSchedulesCommand({ NamePrefix: prefix, MaxResults: 2 }));
  assert.deepEqual(page1.Schedules?.map((s) => s.Name), names.slice(0, 2));
  assert.ok(page1.NextToken);
  const s0 = page1.Schedules?.[0];
  assert.deepEqual([s0?.Arn, s0?.GroupName, s0?.State, s0?.Target], [`arn:aws:scheduler:${stack.region}:${ACCOUNT}:schedule/default/${names[0]}`, "default", "ENABLED", { Arn: fnArn("target") }]);
  assert.ok(s0?.CreationDate instanceof Date && s0.LastModificationDate instanceof Date);
  const seen: string[] = [];
  let pages = 0;
  for await (const page of paginateListSchedules({ client: scheduler, pageSize: 2 }, { NamePrefix: prefix })) {
    pages++;
    seen.push(...(page.Schedules ?? []).map((s) => s.Name ?? ""));
  }
  assert.deepEqual([seen, pages], [names, 3]);
  const disabled = await scheduler.send(new ListSchedulesCommand({ NamePrefix: prefix, State: "DISABLED" }));
  assert.deepEqual([disabled.Schedules?.map((s) => s.Name), disabled.NextToken], [[names[1]], undefined]);
  await assert.rejects(scheduler.send(new ListSchedulesCommand({ MaxResults: 101 })), (err: unknown) => err instanceof ValidationException);
  for (const n of names) await scheduler.send(new DeleteScheduleCommand({ Name: n }));
  await eventually(async () => (await scheduler.send(new ListSchedulesCommand({ NamePrefix: prefix }))).Schedules?.length === 0, { name: "all deleted" });
});
