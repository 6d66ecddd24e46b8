/**
 * Reserved concurrency: PutFunctionConcurrency (PUT /2017-10-31/functions/{name}/concurrency),
 * GetFunctionConcurrency (GET /2019-09-30/…), DeleteFunctionConcurrency (DELETE /2017-10-31/…, 204).
 * A reservation is taken from the account's pool (FNMESH_MAX_CONCURRENCY) and must leave at least
 * `minimumUnreserved` for the functions without one, as Lambda keeps 100 of its default 1,000.
 * The value travels in the function's view; executors count it across the mesh (RevisionId stays,
 * as Lambda's does). Texts: what AWS answered in
 * localstack/localstack:tests/aws/services/lambda_/test_lambda_api.snapshot.json (TestLambdaReservedConcurrency).
 */
import type { Context, Hono } from "hono";
import { Component, ErrorCode, FnmeshError } from "@fnmesh/protocol";
import { z } from "zod";
import type { IngestEnv, IngestResources } from "../context.ts";
import { invalidParameter } from "./errors.ts";
import { functionArn, localFunctionRef } from "./function-name.ts";
import { parseBody } from "./requests.ts";
import { rangeViolation, throwIfViolations, violation } from "./validation-exception.ts";

/**
 * The unreserved concurrency no reservation may take: Lambda's 100 (for its default account limit
 * of 1,000), and a tenth of the limit for a mesh smaller than that, so a small FNMESH_MAX_CONCURRENCY
 * can still reserve most of itself.
 */
export function minimumUnreserved(maxConcurrency: number): number {
  return Math.min(100, Math.floor(maxConcurrency / 10));
}

const PutBody = z.object({ ReservedConcurrentExecutions: z.number().int().nullable().optional() }).passthrough();

export function registerConcurrencyRoutes(app: Hono<IngestEnv>, res: IngestResources): void {
  const arn = (name: string, qualifier?: string) => functionArn(res.account.region, res.account.accountId, name, qualifier);
  const notFound = (message: string) => new FnmeshError(ErrorCode.NotFound, Component.Ingest, message);
  /** The function the path names; reservations belong to the function, never to a version or alias. */
  const unqualified = (c: Context<IngestEnv>, action: string): string => {
    const ref = localFunctionRef(c.req.param("name") ?? "", res.account, action);
    c.set("functionName", ref.name);
    if (ref.qualifier !== undefined) {
      throw invalidParameter("This operation is permitted on Lambda functions only. Aliases and versions do not support this operation. Please specify either a function name or an unqualified function ARN.");
    }
    return ref.name;
  };

  app.put("/2017-10-31/functions/:name/concurrency", async (c) => {
    c.set("op", "PutFunctionConcurrency");
    const name = unqualified(c, "PutFunctionConcurrency");
    const n = parseBody(PutBody, c.get("body")).ReservedConcurrentExecutions ?? undefined;
    throwIfViolations([
      n === undefined ? violation(null, "reservedConcurrentExecutions", "Member must not be null") : rangeViolation(n, "reservedConcurrentExecutions", 0),
    ]);
    const max = res.maxConcurrency;
    const floor = minimumUnreserved(max);
    const outcome = await res.functions.reserveConcurrency(name, n ?? 0, max - floor);
    switch (outcome.kind) {
      case "not_found":
        throw notFound(`Function not found: ${arn(name, "$LATEST")}`);
      case "over_limit":
        throw invalidParameter(`Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [${floor}].`);
      case "reserved":
        await res.views.sync(name);
        return c.json({ ReservedConcurrentExecutions: outcome.record.reservedConcurrency });
    }
  });

  app.get("/2019-09-30/functions/:name/concurrency", async (c) => {
    c.set("op", "GetFunctionConcurrency");
    const name = unqualified(c, "GetFunctionConcurrency");
    const fn = await res.functions.get(name);
    if (!fn) throw notFound(`Function not found: ${arn(name)}`);
    return c.json(fn.reservedConcurrency !== undefined ? { ReservedConcurrentExecutions: fn.reservedConcurrency } : {});
  });

  app.delete("/2017-10-31/functions/:name/concurrency", async (c) => {
    c.set("op", "DeleteFunctionConcurrency");
    const name = unqualified(c, "DeleteFunctionConcurrency");
    if (!(await res.functions.unreserveConcurrency(name))) throw notFound(`Function not found: ${arn(name)}`);
    await res.views.sync(name);
    return c.body(null, 204);
  });
}
