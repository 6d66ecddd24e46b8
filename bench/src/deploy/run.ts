/** `node --no-node-snapshot bench/src/deploy/run.ts`: the deploy-stall measurement alone, on the mesh as make dev starts it. */
import { resolve } from "node:path";
import { startStack } from "../stack.ts";
import { measureDeployStall } from "./deploy-stall.ts";

const stack = await startStack(resolve(import.meta.dirname, "../../.."));
try {
  const result = await measureDeployStall(stack, { deploys: Number(process.env.DEPLOYS ?? 5) });
  console.log(JSON.stringify(result, null, 2));
} finally {
  await stack.stop();
}
