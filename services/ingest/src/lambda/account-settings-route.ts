/**
 * GetAccountSettings (GET /2016-08-19/account-settings): Lambda's AccountLimit and AccountUsage.
 * ConcurrentExecutions is FNMESH_MAX_CONCURRENCY and UnreservedConcurrentExecutions what the
 * reservations (PutFunctionConcurrency) leave of it; the code size limits are the ones deploys
 * enforce. fnmesh sets no total code size limit: TotalCodeSize reports Lambda's default (75 GB).
 */
import type { Hono } from "hono";
import { DEFAULT_MAX_UNZIPPED_BYTES } from "@fnmesh/bundle";
import type { IngestEnv, IngestResources } from "../context.ts";
import { MAX_ZIP_BYTES } from "../deploy/jobs.ts";

/** Lambda's default storage quota for functions and layers, reported as is (not enforced). */
const LAMBDA_TOTAL_CODE_SIZE = 80_530_636_800;

export function registerAccountSettingsRoute(app: Hono<IngestEnv>, res: IngestResources): void {
  app.get("/2016-08-19/account-settings", async (c) => {
    c.set("op", "GetAccountSettings");
    const usage = await res.functions.accountUsage();
    return c.json({
      AccountLimit: {
        TotalCodeSize: LAMBDA_TOTAL_CODE_SIZE,
        CodeSizeUnzipped: DEFAULT_MAX_UNZIPPED_BYTES,
        CodeSizeZipped: MAX_ZIP_BYTES,
        ConcurrentExecutions: res.maxConcurrency,
        UnreservedConcurrentExecutions: res.maxConcurrency - usage.reservedTotal,
      },
      AccountUsage: { TotalCodeSize: usage.totalCodeSize, FunctionCount: usage.functionCount },
    });
  });
}
