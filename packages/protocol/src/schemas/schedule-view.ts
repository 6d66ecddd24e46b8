import { z } from "zod";

/** contract: EventBridge Scheduler's values */
export const ScheduleState = { Enabled: "ENABLED", Disabled: "DISABLED" } as const;
export type ScheduleState = (typeof ScheduleState)[keyof typeof ScheduleState];
export const ActionAfterCompletion = { None: "NONE", Delete: "DELETE" } as const;
export type ActionAfterCompletion = (typeof ActionAfterCompletion)[keyof typeof ActionAfterCompletion];

/**
 * One schedule as every scheduler replica sees it: the value under its key in SCHEDULES_BUCKET,
 * written by the registry's owner (ingest) after each create, update and delete. Times are epoch ms.
 */
export const ScheduleView = z.object({
  v: z.literal(1),
  name: z.string().min(1).max(64),
  groupName: z.string().min(1).max(64),
  arn: z.string(),
  /** `cron(…)`, `rate(…)` or `at(…)`, as given (validated by @fnmesh/schedule at the API). */
  expression: z.string(),
  /** IANA zone; UTC when the request named none. */
  timezone: z.string(),
  state: z.enum([ScheduleState.Enabled, ScheduleState.Disabled]),
  startDate: z.number().int().optional(),
  endDate: z.number().int().optional(),
  target: z.object({
    /** A function ARN, optionally qualified. */
    arn: z.string(),
    /** Sent as the event verbatim; EventBridge's scheduled-event document when absent. */
    input: z.string().optional(),
  }),
  actionAfterCompletion: z.enum([ActionAfterCompletion.None, ActionAfterCompletion.Delete]),
  createdAt: z.number().int(),
  /** Changes on every update (compare-and-set and change detection). */
  revision: z.string().min(1),
});
export type ScheduleView = z.infer<typeof ScheduleView>;

/**
 * A scheduler fired the last tick of a one-off (`at()`) schedule whose ActionAfterCompletion is
 * DELETE: ingest deletes it if it is still at `revision` (an update since keeps it) and answers
 * `{ deleted }`.
 */
export const ScheduleCompleted = z.object({
  v: z.literal(1),
  groupName: z.string().min(1).max(64),
  name: z.string().min(1).max(64),
  revision: z.string().min(1),
});
export type ScheduleCompleted = z.infer<typeof ScheduleCompleted>;
