/**
 * Every route under /functions/{FunctionName} refuses references to another region, account or
 * partition before its handler runs (see `localFunctionRef`), naming the operation's IAM action as
 * Lambda does. CreateFunction checks its body's FunctionName itself.
 */
import type { Context, Hono, Next } from "hono";
import type { IngestEnv, IngestResources } from "../context.ts";
import { localFunctionRef } from "./function-name.ts";
import { API } from "./function-routes.ts";

/** IAM action by method and the path after /functions/{name}. */
const ACTIONS: Record<string, string> = {
  "GET ": "GetFunction",
  "DELETE ": "DeleteFunction",
  "GET /configuration": "GetFunctionConfiguration",
  "PUT /configuration": "UpdateFunctionConfiguration",
  "PUT /code": "UpdateFunctionCode",
  "POST /invocations": "InvokeFunction",
};

export function registerFunctionScope(app: Hono<IngestEnv>, res: IngestResources): void {
  const check = async (c: Context<IngestEnv>, next: Next) => {
    const raw = c.req.param("name"); // already percent-decoded
    if (raw !== undefined) {
      const rest = new URL(c.req.url).pathname.slice(API.length + 1).replace(/^[^/]*/, "").replace(/\/$/, "");
      const action = ACTIONS[`${c.req.method} ${rest}`];
      // Unknown operations fall through to the 404; the name is validated by the handler.
      if (action !== undefined) localFunctionRef(raw, res.account, action);
    }
    await next();
  };
  // Hono's `/:name/*` also matches `/:name` itself.
  app.use(`${API}/:name/*`, check);
}
