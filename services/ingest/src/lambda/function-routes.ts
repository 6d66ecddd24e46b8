/** CreateFunction, Get*, List, Update*, DeleteFunction: paths and shapes of Lambda's 2015-03-31 API. */
import type { Hono } from "hono";
import { Component, ErrorCode, FnmeshError } from "@fnmesh/protocol";
import type { IngestEnv, IngestResources } from "../context.ts";
import { invalidParameter } from "./errors.ts";
import { functionArn, localFunctionRef, parseFunctionRef } from "./function-name.ts";
import { functionConfiguration } from "./function-configuration.ts";
import { codeLocation } from "../code-download.ts";

/** Links point back at the host the client used. */
const publicBaseUrl = (requestUrl: string) => new URL(requestUrl).origin;
import {
  checkEnvironment, checkHandler, checkMemory, checkRuntime, checkTimeout, parseBody,
  rejectUnsupported, UpdateFunctionConfigurationBody,
} from "./requests.ts";

export const API = "/2015-03-31/functions";

/** Lambda's ResourceNotFoundException for a path's function ref. */
export function functionNotFound(res: IngestResources, name: string, qualifier: string | undefined): FnmeshError {
  return new FnmeshError(ErrorCode.NotFound, Component.Ingest,
    `Function not found: ${functionArn(res.account.region, res.account.accountId, name, qualifier)}`);
}

/** Resolves the path's function ref in the registry; only $LATEST exists until versions land. */
export async function loadFunction(res: IngestResources, rawName: string, queryQualifier?: string) {
  const ref = parseFunctionRef(rawName);
  const qualifier = queryQualifier ?? ref.qualifier;
  const fn = qualifier === undefined || qualifier === "$LATEST" ? await res.functions.get(ref.name) : undefined;
  if (!fn) throw functionNotFound(res, ref.name, qualifier);
  return fn;
}

export function registerFunctionRoutes(app: Hono<IngestEnv>, res: IngestResources): void {
  app.post(API, async (c) => {
    c.set("op", "CreateFunction");
    // Parsed on a deploy worker: a 70 MB body costs ~0.5 s of JSON and base64 work. The body is transferred.
    const { fields: body, zip } = await res.artifacts.readDeployBody("CreateFunction", c.get("body"));
    const { name } = localFunctionRef(body.FunctionName, res.account, "CreateFunction");
    c.set("functionName", name);
    rejectUnsupported({ ...body, S3Bucket: body.Code.S3Bucket, ImageUri: body.Code.ImageUri });
    if (!body.Runtime) throw invalidParameter("Runtime is required for Zip packages.");
    if (!body.Handler) throw invalidParameter("Handler is required for Zip packages.");
    const runtime = checkRuntime(body.Runtime);
    const handler = checkHandler(body.Handler);
    const timeoutSec = checkTimeout(body.Timeout ?? 3);
    const memoryMb = checkMemory(body.MemorySize ?? 128);
    const env = checkEnvironment(body.Environment);
    if (!zip) throw invalidParameter("Code.ZipFile is required: fnmesh accepts a zip deployment package.");
    if (await res.functions.get(name)) {
      throw new FnmeshError(ErrorCode.Conflict, Component.Ingest, `Function already exist: ${name}`);
    }
    const code = await res.artifacts.fromZip(zip, handler);
    const fn = await res.functions.create({
      name, description: body.Description ?? "", runtime, handler, role: body.Role ?? res.defaultRole,
      memoryMb, timeoutSec, env, ...code,
    });
    await res.views.sync(fn.name);
    return c.json(functionConfiguration(fn, res.account), 201);
  });

  app.get(API, async (c) => {
    c.set("op", "ListFunctions");
    const maxRaw = c.req.query("MaxItems");
    const maxItems = maxRaw === undefined ? 50 : /^\d{1,5}$/.test(maxRaw) ? Number(maxRaw) : NaN;
    if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 10000) {
      throw invalidParameter(`Value '${maxRaw}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 10000`);
    }
    const marker = c.req.query("Marker");
    if (marker !== undefined && !/^[A-Za-z0-9_-]*$/.test(marker)) throw invalidParameter("Marker is not a valid pagination token.");
    const page = await res.functions.list({ maxItems: Math.min(maxItems, 50), ...(marker ? { marker } : {}) });
    return c.json({
      Functions: page.functions.map((f) => functionConfiguration(f, res.account)),
      ...(page.nextMarker ? { NextMarker: page.nextMarker } : {}),
    });
  });

  app.get(`${API}/:name`, async (c) => {
    c.set("op", "GetFunction");
    const fn = await loadFunction(res, c.req.param("name"), c.req.query("Qualifier"));
    c.set("functionName", fn.name);
    return c.json({
      Configuration: functionConfiguration(fn, res.account),
      Code: { RepositoryType: "S3", Location: codeLocation(publicBaseUrl(c.req.url), res.codeLinkSecret, fn.name, fn.zipKey.replace(/^zip\//, "")) },
      // Lambda reports a reservation here too (GetFunctionResponse.Concurrency).
      ...(fn.reservedConcurrency !== undefined ? { Concurrency: { ReservedConcurrentExecutions: fn.reservedConcurrency } } : {}),
    });
  });

  app.get(`${API}/:name/configuration`, async (c) => {
    c.set("op", "GetFunctionConfiguration");
    const fn = await loadFunction(res, c.req.param("name"), c.req.query("Qualifier"));
    c.set("functionName", fn.name);
    return c.json(functionConfiguration(fn, res.account));
  });

  app.put(`${API}/:name/code`, async (c) => {
    c.set("op", "UpdateFunctionCode");
    const { fields: body, zip } = await res.artifacts.readDeployBody("UpdateFunctionCode", c.get("body"));
    rejectUnsupported(body);
    const fn = await loadFunction(res, c.req.param("name"));
    c.set("functionName", fn.name);
    if (!zip) throw invalidParameter("ZipFile is required: fnmesh accepts a zip deployment package.");
    if (body.RevisionId !== undefined && body.RevisionId !== fn.revisionId) {
      throw new FnmeshError(ErrorCode.PreconditionFailed, Component.Ingest,
        "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
    }
    const code = await res.artifacts.fromZip(zip, fn.handler);
    if (body.DryRun) return c.json(functionConfiguration({ ...fn, ...code }, res.account));
    const updated = await res.functions.updateCode(fn.name, code, body.RevisionId);
    await res.views.sync(fn.name);
    return c.json(functionConfiguration(updated, res.account));
  });

  app.put(`${API}/:name/configuration`, async (c) => {
    c.set("op", "UpdateFunctionConfiguration");
    const body = parseBody(UpdateFunctionConfigurationBody, c.get("body"));
    rejectUnsupported(body);
    const fn = await loadFunction(res, c.req.param("name"));
    c.set("functionName", fn.name);
    const handler = body.Handler === undefined ? undefined : checkHandler(body.Handler);
    const update = {
      ...(body.Runtime !== undefined ? { runtime: checkRuntime(body.Runtime) } : {}),
      ...(handler !== undefined ? { handler } : {}),
      ...(body.Role !== undefined ? { role: body.Role } : {}),
      ...(body.Description !== undefined ? { description: body.Description } : {}),
      ...(body.Timeout !== undefined ? { timeoutSec: checkTimeout(body.Timeout) } : {}),
      ...(body.MemorySize !== undefined ? { memoryMb: checkMemory(body.MemorySize) } : {}),
      ...(body.Environment !== undefined ? { env: checkEnvironment(body.Environment) } : {}),
      // The bundle's entry follows the handler, so a new handler needs a new bundle.
      ...(handler !== undefined && handler !== fn.handler ? { codeRef: await res.artifacts.rebundle(fn.zipKey, handler) } : {}),
    };
    const updated = await res.functions.updateConfig(fn.name, update, body.RevisionId);
    await res.views.sync(fn.name);
    return c.json(functionConfiguration(updated, res.account));
  });

  app.delete(`${API}/:name`, async (c) => {
    c.set("op", "DeleteFunction");
    const fn = await loadFunction(res, c.req.param("name"), c.req.query("Qualifier"));
    c.set("functionName", fn.name);
    await res.functions.delete(fn.name);
    await res.views.sync(fn.name);
    return c.body(null, 204);
  });
}
