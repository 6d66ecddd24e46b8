/**
 * EventBridge Scheduler's errors: the same `x-amzn-ErrorType` mechanism as Lambda's, with the body
 * member `Message` its shapes declare (the SDK reads either spelling). Texts recorded from AWS in
 * localstack/localstack tests/aws/services/scheduler/test_scheduler.snapshot.json:
 * "Schedule <name> does not exist." (404), "Invalid Schedule Expression <expr>." (400).
 */
import { LambdaApiError } from "../lambda/errors.ts";

export const schedulerError = (status: number, type: string, message: string) => new LambdaApiError(status, type, message, { Message: message });

export const validation = (message: string) => schedulerError(400, "ValidationException", message);

/** AWS's (Coral) wording for a member that breaks its constraint. */
export const constraint = (value: unknown, member: string, rule: string) =>
  validation(`1 validation error detected: Value ${value === undefined || value === null ? "null" : `'${String(value)}'`} at '${member}' failed to satisfy constraint: ${rule}`);

export const notFound = (name: string) => schedulerError(404, "ResourceNotFoundException", `Schedule ${name} does not exist.`);

/** Only the `default` group exists; AWS answers a missing group with ResourceNotFoundException. */
export const groupNotFound = (group: string) => schedulerError(404, "ResourceNotFoundException", `Schedule group ${group} does not exist.`);

/** moto/scheduler/exceptions.py `ScheduleExists`. */
export const conflict = (name: string) => schedulerError(409, "ConflictException", `Schedule ${name} already exists.`);
