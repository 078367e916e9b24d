import { parseQuantity } from "@steady/core";
import { POD_DEFAULTS } from "./defaults";
import type { ResourcesArgs } from "./types";

type Amounts = { cpu?: string; memory?: string };

/**
 * The requests and limits a container gets: the caller's values over the defaults, with a
 * default never contradicting a given value. A request above the default limit raises the limit
 * to it; a limit below the default request lowers the request to it (Kubernetes rejects a request
 * above its limit).
 */
export function effectiveResources(given: ResourcesArgs | undefined): {
  requests: Amounts;
  limits: Amounts;
} {
  const requests: Amounts = { ...POD_DEFAULTS.requests, ...given?.requests };
  const limits: Amounts = { ...POD_DEFAULTS.limits, ...given?.limits };
  for (const kind of ["cpu", "memory"] as const) {
    const req = requests[kind];
    const lim = limits[kind];
    if (req === undefined || lim === undefined) continue;
    const r = parseQuantity(req);
    const l = parseQuantity(lim);
    if (r === undefined || l === undefined || l >= r) continue;
    if (given?.limits?.[kind] === undefined) limits[kind] = req;
    else if (given?.requests?.[kind] === undefined) requests[kind] = lim;
  }
  return { requests, limits };
}
