import { z } from "zod";
import { SERVICES } from "../subjects.ts";

/** Reply of every instance of a service to `fnmesh.health.<service>`. */
export const HealthReply = z.object({
  v: z.literal(1),
  service: z.enum(SERVICES),
  instanceId: z.string(),
  ready: z.boolean(),
  detail: z.string().optional(),
  startedAt: z.number(),
});
export type HealthReply = z.infer<typeof HealthReply>;
