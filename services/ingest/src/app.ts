/**
 * The HTTP front: Lambda's REST API (SigV4-authenticated) plus `/healthz`. Every API request is read
 * with its size limit, authenticated, traced, handled, and logged as one wide event.
 */
import { randomUUID } from "node:crypto";
import { Hono, type MiddlewareHandler } from "hono";
import { context, propagation, SpanKind, SpanStatusCode, trace, type TextMapGetter } from "@opentelemetry/api";
import type pg from "pg";
import type { ObjectStore } from "@nats-io/obj";
import { codeKeys } from "@fnmesh/protocol";
import { CODE_PATH, verifyCodeLink } from "./code-download.ts";
import type { IngestEnv, IngestResources } from "./context.ts";
import { authenticateHead, type Credentials } from "./auth/sigv4.ts";
import { bodyLimitFor, nodeOrRequestBody, readBody } from "./http-body.ts";
import type { InFlight } from "./in-flight.ts";
import { awsErrorBody, toAwsError } from "./lambda/errors.ts";
import { registerFunctionRoutes } from "./lambda/function-routes.ts";
import { registerFunctionScope } from "./lambda/function-scope.ts";
import { registerInvokeRoute } from "./lambda/invoke-route.ts";
import { registerEventInvokeConfigRoutes } from "./lambda/event-invoke-config-routes.ts";
import { registerConcurrencyRoutes } from "./lambda/concurrency-routes.ts";
import { registerAccountSettingsRoute } from "./lambda/account-settings-route.ts";
import { registerDeadLetterRoutes } from "./dead-letters/dead-letter-routes.ts";
import { checkReadiness } from "./readiness.ts";
import { registerScheduleRoutes, type ScheduleRoutesDeps } from "./schedules/routes.ts";
import { registerEventSourceRoutes, type EventSourceRoutesDeps } from "./event-sources/routes.ts";
import { registerS3WebhookRoute } from "./s3-webhook/webhook-route.ts";

/** Reads trace headers in place: the propagator asks for two names, no need to copy every header. */
const headersGetter: TextMapGetter<Headers> = { get: (h, key) => h.get(key) ?? undefined, keys: (h) => [...h.keys()] };

export interface AppOptions {
  resources: IngestResources; pool: pg.Pool; credentials: Credentials; isReady: () => boolean; inFlight: InFlight;
  codeStore: ObjectStore;
  /** EventBridge Scheduler's schedule operations; absent, the /schedules paths are unknown operations. */
  schedules?: ScheduleRoutesDeps;
  /** Lambda's event source mapping operations; absent, their paths are unknown operations. */
  eventSources?: EventSourceRoutesDeps;
  /** The S3 notification webhook's bearer token (FNMESH_S3_WEBHOOK_TOKEN); absent, the endpoint does not exist. */
  s3WebhookToken?: string;
  /** The server's clock for signature times; tests inject one. */
  now?: () => Date;
}

function queryRecord(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of url.searchParams) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function createApp(options: AppOptions): Hono<IngestEnv> {
  const { resources: res } = options;
  const app = new Hono<IngestEnv>({ strict: false });

  const now = options.now ?? (() => new Date());
  // One key pair for every API; each is signed for its own service name (`lambda`, `scheduler`).
  const sigv4 = (service: string) => ({ credentials: options.credentials, region: res.account.region, service });

  app.get("/healthz", async (c) => {
    const r = await checkReadiness(res.nc, options.pool, options.isReady(), res.log);
    return c.json({ status: r.ready ? "ok" : "unavailable", checks: r.checks }, r.ready ? 200 : 503);
  });

  app.get(`${CODE_PATH}/:name/:file`, async (c) => {
    const name = c.req.param("name");
    const sha = c.req.param("file").replace(/\.zip$/, "");
    const denied = () => c.body(awsErrorBody({ status: 403, type: "AccessDeniedException", message: "Invalid or expired code link" }), 403,
      { "x-amzn-ErrorType": "AccessDeniedException", "Content-Type": "application/json" });
    if (!verifyCodeLink(options.credentials.secretAccessKey, name, sha, c.req.query("expires"), c.req.query("signature"))) return denied();
    // Zips are shared by content: serve only while the named function still has this code.
    const fn = await res.functions.get(name);
    if (!fn || fn.zipKey !== codeKeys.zip(sha)) return denied();
    // Streamed chunk by chunk (the store's 128 KiB chunks), never held whole on this thread.
    const zip = await options.codeStore.get(codeKeys.zip(sha));
    if (!zip) return c.body(null, 404);
    // A chunk failing its digest ends the stream early: the client sees a short body, and we say why.
    void zip.error.then((err) => { if (err) res.log.error("code download broke off", { function: name, sha, err }); });
    return c.body(zip.data, 200, { "Content-Type": "application/zip", "Content-Length": String(zip.info.size) });
  });

  const api = (service: string): MiddlewareHandler<IngestEnv> => async (c, next) => {
    const started = performance.now();
    options.inFlight.enter();
    const amznRequestId = randomUUID();
    const url = new URL(c.req.url);
    const parent = propagation.extract(context.active(), c.req.raw.headers, headersGetter);
    const span = res.tracer.startSpan(`${c.req.method} ${url.pathname}`, { kind: SpanKind.SERVER }, parent);
    c.set("op", "Unknown");
    try {
      await context.with(trace.setSpan(parent, span), async () => {
        // Authenticate from the headers before reading any body byte: a refused request's body is
        // never buffered (the HTTP layer drains a bounded amount, then closes).
        const pending = await authenticateHead({ method: c.req.method, rawPath: url.pathname, query: queryRecord(url), headers: c.req.raw.headers },
          sigv4(service), now());
        const { limit, operation } = bodyLimitFor(c.req.method, url.pathname);
        const { body, sha256 } = await readBody(nodeOrRequestBody(c.env?.incoming, c.req.raw), limit, operation);
        await pending.finish(body, sha256);
        c.set("body", body);
        await next();
      });
    } catch (err) {
      // Errors thrown before a route ran (body limit, auth) are answered here; route errors reach onError.
      c.res = errorResponse(err, res);
    } finally {
      if (!c.res.headers.has("x-amzn-RequestId")) c.res.headers.set("x-amzn-RequestId", amznRequestId);
      const status = c.res.status;
      const errorType = c.res.headers.get("x-amzn-ErrorType") ?? undefined;
      span.setAttributes({ "http.response.status_code": status, "faas.invoked_name": c.get("functionName") ?? "", "rpc.method": c.get("op") });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR, ...(errorType ? { message: errorType } : {}) });
      span.end();
      res.log.info("api request", {
        op: c.get("op"), function: c.get("functionName"), status, errorType,
        functionError: c.res.headers.get("X-Amz-Function-Error") ?? undefined,
        requestId: c.res.headers.get("x-amzn-RequestId"), durationMs: Math.round((performance.now() - started) * 100) / 100,
        traceId: span.spanContext().traceId,
      });
      options.inFlight.leave();
    }
  };
  app.use("/2015-03-31/*", api("lambda"));
  // Lambda's later API versions: account settings, reserved concurrency, async invocation config.
  for (const version of ["2016-08-19", "2017-10-31", "2019-09-25", "2019-09-30"]) app.use(`/${version}/*`, api("lambda"));
  // EventBridge Scheduler's operations (Hono's `/schedules/*` also matches `/schedules`).
  app.use("/schedules/*", api("scheduler"));

  registerFunctionScope(app, res);
  registerFunctionRoutes(app, res);
  registerInvokeRoute(app, res);
  registerDeadLetterRoutes(app, res);
  registerEventInvokeConfigRoutes(app, res);
  registerConcurrencyRoutes(app, res);
  registerAccountSettingsRoute(app, res);
  if (options.schedules) registerScheduleRoutes(app, options.schedules);
  if (options.eventSources) registerEventSourceRoutes(app, options.eventSources);
  if (options.s3WebhookToken) registerS3WebhookRoute(app, { js: res.js, token: options.s3WebhookToken, log: res.log, inFlight: options.inFlight });

  app.notFound((c) => {
    const e = { status: 404, type: "UnknownOperationException", message: `Unknown operation ${c.req.method} ${new URL(c.req.url).pathname}` };
    return c.body(awsErrorBody(e), 404, { "x-amzn-ErrorType": e.type, "Content-Type": "application/json" });
  });
  app.onError((err) => errorResponse(err, res));
  return app;
}

function errorResponse(err: unknown, res: IngestResources): Response {
  const e = toAwsError(err);
  if (e.status >= 500) res.log.error("request failed", { errorType: e.type, err });
  return new Response(awsErrorBody(e), {
    status: e.status,
    headers: { "Content-Type": "application/json", "x-amzn-ErrorType": e.type, ...e.headers },
  });
}
