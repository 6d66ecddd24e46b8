/**
 * Name → FunctionSpec for an invoke request, from this executor's view of FUNCTIONS_BUCKET. The
 * executor is where names are resolved for every caller, so a caller never needs the registry.
 */
import { Component, ErrorCode, FnmeshError, type FunctionView, type InvokeRequest } from "@fnmesh/protocol";
import type { FunctionResolver } from "@fnmesh/registry-view";

export async function resolveFunction(resolver: FunctionResolver, req: InvokeRequest): Promise<FunctionView> {
  const view = await resolver.resolveFresh(req.function, req.viewRevision);
  if (!view) {
    throw new FnmeshError(ErrorCode.NotFound, Component.Executor, `Function not found: ${req.function}`);
  }
  return view;
}
