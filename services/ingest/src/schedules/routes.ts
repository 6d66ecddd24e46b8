/**
 * EventBridge Scheduler's schedule operations at ingest's endpoint (REST-JSON, signing name
 * `scheduler`), paths from the API reference: CreateSchedule `POST /schedules/{Name}`, GetSchedule
 * `GET /schedules/{Name}?groupName=`, UpdateSchedule `PUT /schedules/{Name}`, DeleteSchedule
 * `DELETE /schedules/{Name}?groupName=&clientToken=`, ListSchedules `GET /schedules?NamePrefix=&State=
 * &MaxResults=&NextToken=&ScheduleGroup=`. Every write lands in PostgreSQL, then in SCHEDULES_BUCKET.
 */
import type { Context, Hono } from "hono";
import { isFnmeshError } from "@fnmesh/protocol";
import type { ScheduleStore } from "@fnmesh/store";
import type { IngestEnv } from "../context.ts";
import type { AccountInfo } from "../lambda/function-configuration.ts";
import { conflict, constraint, notFound, validation } from "./errors.ts";
import { checkGroup, checkName, parseJsonBody, parseScheduleBody } from "./requests.ts";
import { scheduleArn } from "./schedule-arn.ts";
import { getScheduleOutput, scheduleSummary } from "./shapes.ts";
import type { ScheduleViewPublisher } from "./view-publisher.ts";

export interface ScheduleRoutesDeps {
  store: ScheduleStore;
  views: ScheduleViewPublisher;
  account: AccountInfo;
  now?: () => Date;
}

const MAX_RESULTS = 100;

function encodeToken(name: string): string { return Buffer.from(name, "utf8").toString("base64url"); }
function decodeToken(token: string): string {
  const name = Buffer.from(token, "base64url").toString("utf8");
  if (encodeToken(name) !== token || !/^[0-9a-zA-Z-_.]{1,64}$/.test(name)) throw validation("Invalid NextToken.");
  return name;
}

export function registerScheduleRoutes(app: Hono<IngestEnv>, deps: ScheduleRoutesDeps): void {
  const { store, views, account } = deps;
  const now = deps.now ?? (() => new Date());
  const pathName = (c: Context<IngestEnv>) => checkName(c.req.param("name") ?? "");

  app.post("/schedules/:name", async (c) => {
    c.set("op", "CreateSchedule");
    const input = parseScheduleBody(pathName(c), parseJsonBody(c.get("body")), account, now());
    try {
      const { record } = await store.create(input);
      await views.sync(record.groupName, record.name);
      return c.json({ ScheduleArn: scheduleArn(account, record.groupName, record.name) });
    } catch (err) {
      if (isFnmeshError(err) && err.code === "conflict") throw conflict(input.name);
      throw err;
    }
  });

  app.get("/schedules/:name", async (c) => {
    c.set("op", "GetSchedule");
    const name = pathName(c);
    const group = checkGroup(c.req.query("groupName"));
    const record = await store.get(group, name);
    if (!record) throw notFound(name);
    return c.json(getScheduleOutput(record, account));
  });

  app.put("/schedules/:name", async (c) => {
    c.set("op", "UpdateSchedule");
    // UpdateSchedule replaces the whole schedule: absent optional fields are cleared (AWS-recorded
    // in localstack's snapshot: a Description not sent again is gone).
    const { groupName, name, clientToken: _token, ...update } = parseScheduleBody(pathName(c), parseJsonBody(c.get("body")), account, now());
    try {
      const record = await store.update(groupName, name, update);
      await views.sync(groupName, name);
      return c.json({ ScheduleArn: scheduleArn(account, record.groupName, record.name) });
    } catch (err) {
      if (isFnmeshError(err) && err.code === "not_found") throw notFound(name);
      throw err;
    }
  });

  app.delete("/schedules/:name", async (c) => {
    c.set("op", "DeleteSchedule");
    const name = pathName(c);
    const group = checkGroup(c.req.query("groupName"));
    if (!(await store.delete(group, name))) throw notFound(name);
    await views.sync(group, name);
    return c.json({});
  });

  app.get("/schedules", async (c) => {
    c.set("op", "ListSchedules");
    const group = checkGroup(c.req.query("ScheduleGroup"));
    const prefix = c.req.query("NamePrefix");
    if (prefix !== undefined) checkName(prefix, "namePrefix");
    const state = c.req.query("State");
    if (state !== undefined && state !== "ENABLED" && state !== "DISABLED") {
      throw constraint(state, "state", "Member must satisfy enum value set: [ENABLED, DISABLED]");
    }
    const rawMax = c.req.query("MaxResults");
    const max = rawMax === undefined ? MAX_RESULTS : Number(rawMax);
    if (!Number.isInteger(max) || max < 1 || max > MAX_RESULTS) {
      throw constraint(rawMax, "maxResults", max < 1 ? "Member must have value greater than or equal to 1" : `Member must have value less than or equal to ${MAX_RESULTS}`);
    }
    const token = c.req.query("NextToken");
    const page = await store.list({
      groupName: group, limit: max,
      ...(prefix !== undefined ? { namePrefix: prefix } : {}),
      ...(state !== undefined ? { state } : {}),
      ...(token !== undefined ? { after: decodeToken(token) } : {}),
    });
    const last = page.schedules.at(-1);
    return c.json({
      Schedules: page.schedules.map((s) => scheduleSummary(s, account)),
      ...(page.more && last ? { NextToken: encodeToken(last.name) } : {}),
    });
  });
}
