/**
 * Lambda's event source mapping operations (API reference, 2015-03-31):
 * CreateEventSourceMapping `POST /2015-03-31/event-source-mappings/` → 202,
 * GetEventSourceMapping `GET …/event-source-mappings/{UUID}` → 200,
 * ListEventSourceMappings `GET …/event-source-mappings/?EventSourceArn=&FunctionName=&Marker=&MaxItems=` → 200,
 * UpdateEventSourceMapping `PUT …/event-source-mappings/{UUID}` → 202,
 * DeleteEventSourceMapping `DELETE …/event-source-mappings/{UUID}` → 202 with State "Deleting".
 * Every write lands in PostgreSQL, then in EVENT_SOURCES_BUCKET, where trigger replicas read it.
 *
 * State: as Lambda, Create answers "Creating", Update "Enabling"/"Disabling" when Enabled flips and
 * "Updating" otherwise, Delete "Deleting". fnmesh stores only the desired state, so Get and List
 * answer "Enabled"/"Disabled" at once: trigger replicas act on the view within seconds, and a
 * deleted mapping is gone from Get (404) as soon as Delete answers.
 */
import type { Context, Hono } from "hono";
import { isFnmeshError, parseEventSourceArn } from "@fnmesh/protocol";
import type { EventSourceMappingStore, FunctionStore } from "@fnmesh/store";
import type { IngestEnv } from "../context.ts";
import { invalidParameter } from "../lambda/errors.ts";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { localFunctionRef } from "../lambda/function-name.ts";
import { rangeViolation, throwIfViolations } from "../lambda/validation-exception.ts";
import { duplicateMapping, functionNotFound, mappingNotFound, unrecognizedSource } from "./errors.ts";
import { parseMappingBody, resolveSettings } from "./requests.ts";
import { mappingConfiguration, type AnsweredState } from "./shapes.ts";
import { sourceOf } from "./source-of.ts";
import type { MappingViewPublisher } from "./view-publisher.ts";

export interface EventSourceRoutesDeps {
  store: EventSourceMappingStore;
  views: MappingViewPublisher;
  functions: FunctionStore;
  account: AccountInfo;
  /** What the triggers last reported of a mapping (LastProcessingResult), if anything. */
  lastProcessingResult(uuid: string): Promise<string | undefined>;
}

export const EVENT_SOURCE_MAPPINGS_PATH = "/2015-03-31/event-source-mappings";
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const MAX_ITEMS = 10_000;
const DEFAULT_ITEMS = 100;

/** A path UUID that is not one cannot name a mapping: Lambda answers the same 404 as for an unknown one. */
function pathUuid(c: Context<IngestEnv>): string {
  const uuid = c.req.param("uuid") ?? "";
  if (!UUID.test(uuid)) throw mappingNotFound();
  return uuid.toLowerCase();
}

export function registerEventSourceRoutes(app: Hono<IngestEnv>, deps: EventSourceRoutesDeps): void {
  const { store, views, functions, account } = deps;
  /** A status the triggers cannot report right now leaves the default answer, never fails the call. */
  const resultOf = (uuid: string) => deps.lastProcessingResult(uuid).catch(() => undefined);

  /** The local function a FunctionName names ($LATEST only); refusals as Lambda words them. */
  async function functionOf(value: string | undefined, action: string): Promise<{ name: string; qualifier?: "$LATEST" }> {
    if (value === undefined || value === "") throw invalidParameter("1 validation error detected: Value null at 'functionName' failed to satisfy constraint: Member must not be null.");
    const ref = localFunctionRef(value, account, action);
    if ((ref.qualifier !== undefined && ref.qualifier !== "$LATEST") || !(await functions.get(ref.name))) throw functionNotFound();
    return { name: ref.name, ...(ref.qualifier === "$LATEST" ? { qualifier: "$LATEST" as const } : {}) };
  }

  const conflictAs = async (err: unknown, eventSourceArn: string, functionName: string): Promise<never> => {
    if (isFnmeshError(err) && err.code === "conflict") throw duplicateMapping(eventSourceArn, functionName, err.message);
    throw err;
  };

  app.post(EVENT_SOURCE_MAPPINGS_PATH, async (c) => {
    c.set("op", "CreateEventSourceMapping");
    const body = parseMappingBody(c.get("body"));
    const arn = body.EventSourceArn;
    if (arn === undefined || arn === "") throw unrecognizedSource();
    const source = parseEventSourceArn(arn, account);
    if ("error" in source) throw invalidParameter(source.error);
    const settings = resolveSettings(source, arn, body, account);
    const fn = await functionOf(body.FunctionName, "CreateEventSourceMapping");
    c.set("functionName", fn.name);
    const record = await store.create({ functionName: fn.name, ...(fn.qualifier ? { functionQualifier: fn.qualifier } : {}), eventSourceArn: arn, ...settings })
      .catch((err: unknown) => conflictAs(err, arn, fn.name));
    await views.sync(record.uuid);
    return c.json(mappingConfiguration(record, source, account, "Creating"), 202);
  });

  app.get(`${EVENT_SOURCE_MAPPINGS_PATH}/:uuid`, async (c) => {
    c.set("op", "GetEventSourceMapping");
    const record = await store.get(pathUuid(c));
    if (!record) throw mappingNotFound();
    return c.json(mappingConfiguration(record, sourceOf(record.eventSourceArn, account), account, undefined, await resultOf(record.uuid)));
  });

  app.put(`${EVENT_SOURCE_MAPPINGS_PATH}/:uuid`, async (c) => {
    c.set("op", "UpdateEventSourceMapping");
    const uuid = pathUuid(c);
    const body = parseMappingBody(c.get("body"));
    const current = await store.get(uuid);
    if (!current) throw mappingNotFound();
    const source = sourceOf(current.eventSourceArn, account);
    const settings = resolveSettings(source, current.eventSourceArn, body, account, current);
    const fn = body.FunctionName !== undefined
      ? await functionOf(body.FunctionName, "UpdateEventSourceMapping")
      : { name: current.functionName, ...(current.functionQualifier ? { qualifier: current.functionQualifier } : {}) };
    c.set("functionName", fn.name);
    const record = await store.update(uuid, { functionName: fn.name, ...(fn.qualifier ? { functionQualifier: fn.qualifier } : {}), ...settings })
      .catch((err: unknown) => conflictAs(err, current.eventSourceArn, fn.name));
    if (!record) throw mappingNotFound();
    await views.sync(uuid);
    const state: AnsweredState = record.enabled === current.enabled ? "Updating" : record.enabled ? "Enabling" : "Disabling";
    return c.json(mappingConfiguration(record, source, account, state), 202);
  });

  app.delete(`${EVENT_SOURCE_MAPPINGS_PATH}/:uuid`, async (c) => {
    c.set("op", "DeleteEventSourceMapping");
    const record = await store.delete(pathUuid(c));
    if (!record) throw mappingNotFound();
    await views.sync(record.uuid);
    return c.json(mappingConfiguration(record, sourceOf(record.eventSourceArn, account), account, "Deleting"), 202);
  });

  app.get(EVENT_SOURCE_MAPPINGS_PATH, async (c) => {
    c.set("op", "ListEventSourceMappings");
    const maxRaw = c.req.query("MaxItems");
    const maxItems = maxRaw === undefined ? DEFAULT_ITEMS : Number(maxRaw);
    if (!Number.isInteger(maxItems)) throw invalidParameter(`Value '${maxRaw}' at 'maxItems' is not a number.`);
    throwIfViolations([rangeViolation(maxItems, "maxItems", 1, MAX_ITEMS)]);
    const fnParam = c.req.query("FunctionName") || undefined;
    const functionName = fnParam !== undefined ? localFunctionRef(fnParam, account, "ListEventSourceMappings").name : undefined;
    const eventSourceArn = c.req.query("EventSourceArn") || undefined;
    const marker = c.req.query("Marker") || undefined;
    let after: string | undefined;
    if (marker !== undefined) {
      after = Buffer.from(marker, "base64url").toString("utf8");
      if (!UUID.test(after) || Buffer.from(after, "utf8").toString("base64url") !== marker) throw invalidParameter("Marker is not a valid pagination token.");
    }
    const page = await store.list({
      limit: maxItems,
      ...(functionName !== undefined ? { functionName } : {}),
      ...(eventSourceArn !== undefined ? { eventSourceArn } : {}),
      ...(after !== undefined ? { after } : {}),
    });
    const last = page.mappings.at(-1);
    const results = await Promise.all(page.mappings.map((m) => resultOf(m.uuid)));
    return c.json({
      EventSourceMappings: page.mappings.map((m, i) => mappingConfiguration(m, sourceOf(m.eventSourceArn, account), account, undefined, results[i])),
      ...(page.more && last ? { NextMarker: Buffer.from(last.uuid, "utf8").toString("base64url") } : {}),
    });
  });
}
