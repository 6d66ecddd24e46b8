/**
 * Lambda accepts a function as a name, a partial ARN (`123456789012:function:name`) or a full ARN
 * (`arn:aws:lambda:region:123456789012:function:name`), each optionally with `:qualifier`. An ARN
 * naming another region, account or partition is refused the way Lambda refuses it, never mapped
 * onto the local function of the same name.
 */
import { FUNCTION_NAME_PATTERN } from "@fnmesh/protocol";
import { invalidParameter, LambdaApiError } from "./errors.ts";
import type { AccountInfo } from "./function-configuration.ts";

export interface FunctionRef {
  name: string;
  qualifier?: string;
  /** Present when the caller gave a full ARN. */
  partition?: string;
  region?: string;
  /** Present when the caller gave a full or partial ARN. */
  accountId?: string;
}

const FULL = /^arn:(aws[a-zA-Z-]*):lambda:([a-z0-9-]+):(\d{12}):function:([A-Za-z0-9_-]+)(?::([^:]+))?$/;
const PARTIAL = /^(\d{12}):function:([A-Za-z0-9_-]+)(?::([^:]+))?$/;
const SHORT = /^([A-Za-z0-9_-]+)(?::([^:]+))?$/;

function invalidName(value: string): LambdaApiError {
  return invalidParameter(`1 validation error detected: Value '${value}' at 'functionName' failed to satisfy constraint: Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?`);
}

export function parseFunctionRef(value: string): FunctionRef {
  const withQualifier = (ref: FunctionRef, qualifier: string | undefined): FunctionRef => (qualifier ? { ...ref, qualifier } : ref);
  let ref: FunctionRef | undefined;
  const full = FULL.exec(value);
  const partial = full ? null : PARTIAL.exec(value);
  const short = full || partial ? null : SHORT.exec(value);
  if (full) ref = withQualifier({ name: full[4] ?? "", partition: full[1] ?? "", region: full[2] ?? "", accountId: full[3] ?? "" }, full[5]);
  else if (partial) ref = withQualifier({ name: partial[2] ?? "", accountId: partial[1] ?? "" }, partial[3]);
  else if (short) ref = withQualifier({ name: short[1] ?? "" }, short[2]);
  if (!ref || !FUNCTION_NAME_PATTERN.test(ref.name)) throw invalidName(value);
  return ref;
}

/** The ARN partition a region belongs to (`aws`, `aws-cn`, `aws-us-gov`, ...). */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  return "aws";
}

export function functionArn(region: string, accountId: string, name: string, qualifier?: string): string {
  return `arn:${partitionOf(region)}:lambda:${region}:${accountId}:function:${name}${qualifier ? `:${qualifier}` : ""}`;
}

/**
 * Parses `value` and refuses references outside this endpoint's region, partition or account.
 * `action` is the operation's IAM action name without `lambda:` (e.g. `InvokeFunction`).
 * - Another region: Lambda's 404 ResourceNotFoundException "Functions from 'us-east-1' are not
 *   reachable in this region ('us-east-2')" (aws/aws-cli#3954; alexcasalboni/aws-lambda-power-tuning#18).
 * - Another account (or partition): a 403 AccessDeniedException, as Lambda answers a caller without
 *   a resource-based policy on the other account's function ("User: ... is not authorized to perform:
 *   lambda:GetFunction on resource: ... because no resource-based policy allows the lambda:GetFunction
 *   action", aws-samples/sample-serverless-mcp-servers#7, crucial-project/serverless-shell#2). The
 *   caller is this account's root: fnmesh has one key pair per deployment.
 */
export function localFunctionRef(value: string, account: AccountInfo, action: string): FunctionRef {
  const ref = parseFunctionRef(value);
  if (ref.region !== undefined && ref.region !== account.region) {
    throw new LambdaApiError(404, "ResourceNotFoundException", `Functions from '${ref.region}' are not reachable in this region ('${account.region}')`);
  }
  const partition = partitionOf(account.region);
  if ((ref.accountId !== undefined && ref.accountId !== account.accountId) || (ref.partition !== undefined && ref.partition !== partition)) {
    const resource = `arn:${ref.partition ?? partition}:lambda:${ref.region ?? account.region}:${ref.accountId ?? account.accountId}:function:${ref.name}${ref.qualifier ? `:${ref.qualifier}` : ""}`;
    throw new LambdaApiError(403, "AccessDeniedException",
      `User: arn:${partition}:iam::${account.accountId}:root is not authorized to perform: lambda:${action} on resource: ${resource} because no resource-based policy allows the lambda:${action} action`);
  }
  return ref;
}
