/**
 * Stored schedules as EventBridge Scheduler returns them (GetSchedule, ListSchedules' ScheduleSummary)
 * and as schedulers read them (ScheduleView). Timestamps are epoch seconds, the REST-JSON default.
 * GetSchedule shows the Target's RetryPolicy with AWS's defaults (86400 s, 185 attempts) when none was
 * given, as recorded from AWS in localstack's test_scheduler.snapshot.json.
 */
import { ScheduleView } from "@fnmesh/protocol";
import type { ScheduleRecord } from "@fnmesh/store";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { scheduleArn } from "./schedule-arn.ts";

const seconds = (d: Date) => d.getTime() / 1000;
const DEFAULT_RETRY = { maximumEventAgeInSeconds: 86_400, maximumRetryAttempts: 185 };

export function getScheduleOutput(s: ScheduleRecord, account: AccountInfo): Record<string, unknown> {
  const retry = s.target.retryPolicy ?? DEFAULT_RETRY;
  return {
    ActionAfterCompletion: s.actionAfterCompletion,
    Arn: scheduleArn(account, s.groupName, s.name),
    CreationDate: seconds(s.createdAt),
    ...(s.description !== undefined ? { Description: s.description } : {}),
    ...(s.endDate ? { EndDate: seconds(s.endDate) } : {}),
    FlexibleTimeWindow: { Mode: s.flexibleTimeWindow.mode,
      ...(s.flexibleTimeWindow.maximumWindowInMinutes !== undefined ? { MaximumWindowInMinutes: s.flexibleTimeWindow.maximumWindowInMinutes } : {}) },
    GroupName: s.groupName,
    LastModificationDate: seconds(s.lastModified),
    Name: s.name,
    ScheduleExpression: s.expression,
    ScheduleExpressionTimezone: s.timezone,
    ...(s.startDate ? { StartDate: seconds(s.startDate) } : {}),
    State: s.state,
    Target: {
      Arn: s.target.arn,
      ...(s.target.input !== undefined ? { Input: s.target.input } : {}),
      RetryPolicy: { MaximumEventAgeInSeconds: retry.maximumEventAgeInSeconds, MaximumRetryAttempts: retry.maximumRetryAttempts },
      RoleArn: s.target.roleArn,
    },
  };
}

export function scheduleSummary(s: ScheduleRecord, account: AccountInfo): Record<string, unknown> {
  return {
    Arn: scheduleArn(account, s.groupName, s.name), CreationDate: seconds(s.createdAt), GroupName: s.groupName,
    LastModificationDate: seconds(s.lastModified), Name: s.name, State: s.state, Target: { Arn: s.target.arn },
  };
}

export function toScheduleView(s: ScheduleRecord, account: AccountInfo): ScheduleView {
  return ScheduleView.parse({
    v: 1, name: s.name, groupName: s.groupName, arn: scheduleArn(account, s.groupName, s.name),
    expression: s.expression, timezone: s.timezone, state: s.state,
    ...(s.startDate ? { startDate: s.startDate.getTime() } : {}),
    ...(s.endDate ? { endDate: s.endDate.getTime() } : {}),
    target: { arn: s.target.arn, ...(s.target.input !== undefined ? { input: s.target.input } : {}) },
    actionAfterCompletion: s.actionAfterCompletion, createdAt: s.createdAt.getTime(), revision: s.revision,
  });
}
