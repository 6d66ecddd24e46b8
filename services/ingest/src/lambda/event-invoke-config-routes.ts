/**
 * Asynchronous invocation settings, Lambda's 2019-09-25 API: Put (PUT, replaces), Update (POST,
 * merges), Get, Delete (204) on /functions/{name}/event-invoke-config, and List on .../list.
 * fnmesh has $LATEST only, so a function has at most one config. Each write republishes the
 * function's view, where the scheduler reads retries, event age and destinations.
 * Error texts: what AWS answered in localstack/localstack:tests/aws/services/lambda_/test_lambda_api.snapshot.json.
 */
import type { Context, Hono } from "hono";
import { Component, ErrorCode, FnmeshError } from "@fnmesh/protocol";
import type { FunctionRecord } from "@fnmesh/store";
import type { IngestEnv, IngestResources } from "../context.ts";
import { invalidParameter } from "./errors.ts";
import { functionArn, localFunctionRef } from "./function-name.ts";
import {
  checkDestinations, functionEventInvokeConfig, parseEventInvokeRequest, settingsToPut, settingsToUpdate,
} from "./event-invoke-config-request.ts";
import { rangeViolation, throwIfViolations } from "./validation-exception.ts";

export const EVENT_INVOKE_API = "/2019-09-25/functions";
const LATEST = "$LATEST";

const notFound = (message: string) => new FnmeshError(ErrorCode.NotFound, Component.Ingest, message);
const noSuchFunction = () => notFound("The function doesn't exist.");

/** The function and qualifier a request names: the path's `name[:qualifier]` and the Qualifier query, which must agree. */
function target(c: Context<IngestEnv>, res: IngestResources, action: string): { name: string; qualifier: string } {
  const ref = localFunctionRef(c.req.param("name") ?? "", res.account, action);
  const query = c.req.query("Qualifier") || undefined;
  if (query !== undefined && ref.qualifier !== undefined && query !== ref.qualifier) {
    throw invalidParameter("The derived qualifier from the function name does not match the specified qualifier.");
  }
  c.set("functionName", ref.name);
  return { name: ref.name, qualifier: query ?? ref.qualifier ?? LATEST };
}

export function registerEventInvokeConfigRoutes(app: Hono<IngestEnv>, res: IngestResources): void {
  const path = `${EVENT_INVOKE_API}/:name/event-invoke-config`;
  const noConfig = (name: string, qualifier: string) =>
    notFound(`The function ${functionArn(res.account.region, res.account.accountId, name, qualifier)} doesn't have an EventInvokeConfig`);
  const exists = async (name: string) => (await res.functions.get(name)) !== undefined;
  const answer = async (c: Context<IngestEnv>, fn: FunctionRecord) => {
    await res.views.sync(fn.name);
    return c.json(functionEventInvokeConfig(fn, res.account));
  };

  app.put(path, async (c) => {
    c.set("op", "PutFunctionEventInvokeConfig");
    const { name, qualifier } = target(c, res, "PutFunctionEventInvokeConfig");
    const request = parseEventInvokeRequest(c.get("body"));
    if (qualifier !== LATEST || !(await exists(name))) throw noSuchFunction();
    await checkDestinations(request, name, res.account, exists);
    const fn = await res.functions.putEventInvokeConfig(name, settingsToPut(request));
    if (!fn) throw noSuchFunction();
    return answer(c, fn);
  });

  app.post(path, async (c) => {
    c.set("op", "UpdateFunctionEventInvokeConfig");
    const { name, qualifier } = target(c, res, "UpdateFunctionEventInvokeConfig");
    const request = parseEventInvokeRequest(c.get("body"));
    if (qualifier !== LATEST || !(await exists(name))) throw noSuchFunction();
    await checkDestinations(request, name, res.account, exists);
    const fn = await res.functions.updateEventInvokeConfig(name, settingsToUpdate(request));
    if (!fn) throw noConfig(name, qualifier);
    return answer(c, fn);
  });

  app.get(path, async (c) => {
    c.set("op", "GetFunctionEventInvokeConfig");
    const { name, qualifier } = target(c, res, "GetFunctionEventInvokeConfig");
    const fn = qualifier === LATEST ? await res.functions.get(name) : undefined;
    if (!fn?.eventInvokeConfig) throw noConfig(name, qualifier);
    return c.json(functionEventInvokeConfig(fn, res.account));
  });

  app.delete(path, async (c) => {
    c.set("op", "DeleteFunctionEventInvokeConfig");
    const { name, qualifier } = target(c, res, "DeleteFunctionEventInvokeConfig");
    const fn = qualifier === LATEST ? await res.functions.deleteEventInvokeConfig(name) : undefined;
    if (!fn) throw noConfig(name, qualifier);
    await res.views.sync(fn.name);
    return c.body(null, 204);
  });

  app.get(`${path}/list`, async (c) => {
    c.set("op", "ListFunctionEventInvokeConfigs");
    const ref = localFunctionRef(c.req.param("name"), res.account, "ListFunctionEventInvokeConfigs");
    c.set("functionName", ref.name);
    const maxRaw = c.req.query("MaxItems");
    const maxItems = maxRaw === undefined ? 50 : Number(maxRaw);
    if (!Number.isInteger(maxItems)) throw invalidParameter(`Value '${maxRaw}' at 'maxItems' is not a number.`);
    throwIfViolations([rangeViolation(maxItems, "maxItems", 1, 50)]);
    const fn = await res.functions.get(ref.name);
    if (!fn) throw noSuchFunction();
    // Configs are listed by qualifier; the marker is the last qualifier of the previous page, base64url.
    const marker = c.req.query("Marker") || undefined;
    const after = marker === undefined ? "" : Buffer.from(marker, "base64url").toString("utf8");
    if (marker !== undefined && Buffer.from(after, "utf8").toString("base64url") !== marker) {
      throw invalidParameter("Marker is not a valid pagination token.");
    }
    const all = fn.eventInvokeConfig ? [{ qualifier: LATEST, config: functionEventInvokeConfig(fn, res.account) }] : [];
    const rest = all.filter((e) => e.qualifier > after);
    const page = rest.slice(0, maxItems);
    const last = page.at(-1);
    return c.json({
      FunctionEventInvokeConfigs: page.map((e) => e.config),
      ...(rest.length > maxItems && last ? { NextMarker: Buffer.from(last.qualifier, "utf8").toString("base64url") } : {}),
    });
  });
}
