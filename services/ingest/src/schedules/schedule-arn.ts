/** Schedule ARNs and the function ARNs a schedule may target. */
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { partitionOf } from "../lambda/function-name.ts";

export const DEFAULT_GROUP = "default";

export function scheduleArn(account: AccountInfo, group: string, name: string): string {
  return `arn:${partitionOf(account.region)}:scheduler:${account.region}:${account.accountId}:schedule/${group}/${name}`;
}

const FUNCTION_ARN = /^arn:([a-z-]+):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]{1,64})(?::(\$LATEST))?$/;

/**
 * The function a Target.Arn names, when it is a function of this endpoint's partition, region and
 * account, unqualified or `$LATEST` (the only version fnmesh has); undefined otherwise.
 */
export function targetFunction(arn: string, account: AccountInfo): string | undefined {
  const m = FUNCTION_ARN.exec(arn);
  if (!m || m[1] !== partitionOf(account.region) || m[2] !== account.region || m[3] !== account.accountId) return undefined;
  return m[4];
}
