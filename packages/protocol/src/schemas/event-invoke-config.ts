import { z } from "zod";

/** Lambda's bounds and defaults for asynchronous invocation (PutFunctionEventInvokeConfig). */
export const EventInvokeLimits = {
  maxRetryAttempts: 2,
  defaultRetryAttempts: 2,
  minEventAgeSec: 60,
  maxEventAgeSec: 21_600,
  defaultEventAgeSec: 21_600,
} as const;

/**
 * A function's asynchronous invocation settings as the scheduler needs them. Destinations are ARNs:
 * a function (`arn:aws:lambda:…:function:<name>[:<qualifier>]`), a core NATS subject
 * (`arn:fnmesh:nats:<region>:<account>:subject/<subject>`) or a JetStream subject whose publish must
 * be stored by a stream (`arn:fnmesh:jetstream:<region>:<account>:subject/<subject>`); see
 * `parseDestinationArn`.
 */
export const EventInvokeConfig = z.object({
  maximumRetryAttempts: z.number().int().min(0).max(EventInvokeLimits.maxRetryAttempts),
  maximumEventAgeSec: z.number().int().min(EventInvokeLimits.minEventAgeSec).max(EventInvokeLimits.maxEventAgeSec),
  onSuccess: z.string().optional(),
  onFailure: z.string().optional(),
});
export type EventInvokeConfig = z.infer<typeof EventInvokeConfig>;

/** What applies to a function without PutFunctionEventInvokeConfig. */
export const DEFAULT_EVENT_INVOKE_CONFIG: EventInvokeConfig = {
  maximumRetryAttempts: EventInvokeLimits.defaultRetryAttempts,
  maximumEventAgeSec: EventInvokeLimits.defaultEventAgeSec,
};
