/** The FunctionConfiguration shape Lambda returns, from a stored record. */
import type { FunctionRecord } from "@fnmesh/store";
import { functionArn } from "./function-name.ts";

export interface AccountInfo { region: string; accountId: string }

/** Lambda's timestamp format: 2024-01-31T12:00:00.000+0000 */
export function lambdaTimestamp(d: Date): string {
  return d.toISOString().replace("Z", "+0000");
}

export function functionConfiguration(fn: FunctionRecord, account: AccountInfo): Record<string, unknown> {
  return {
    FunctionName: fn.name,
    FunctionArn: functionArn(account.region, account.accountId, fn.name),
    Runtime: fn.runtime,
    Role: fn.role,
    Handler: fn.handler,
    CodeSize: fn.codeSize,
    Description: fn.description,
    Timeout: fn.timeoutSec,
    MemorySize: fn.memoryMb,
    LastModified: lambdaTimestamp(fn.lastModified),
    CodeSha256: fn.codeSha256,
    Version: "$LATEST",
    Environment: { Variables: fn.env },
    TracingConfig: { Mode: "PassThrough" },
    RevisionId: fn.revisionId,
    State: "Active",
    LastUpdateStatus: "Successful",
    PackageType: "Zip",
    Architectures: ["x86_64"],
    EphemeralStorage: { Size: 512 },
    LoggingConfig: { LogFormat: "Text", LogGroup: `/aws/lambda/${fn.name}` },
  };
}
