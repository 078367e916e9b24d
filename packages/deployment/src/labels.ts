import type { AppDeploymentArgs } from "./types";

/**
 * The selector labels: only stable identity (name + instance), never the version, because a
 * Deployment's selector is immutable and changing it forces a replacement.
 */
export function selectorLabels(
  name: string,
  args: Pick<AppDeploymentArgs, "appName" | "instance">,
): Record<string, string> {
  return {
    "app.kubernetes.io/name": args.appName ?? name,
    "app.kubernetes.io/instance": args.instance ?? name,
  };
}

/** Labels on every object of the app: the selector labels, the caller's extras and who manages them. */
export function commonLabels(
  name: string,
  args: Pick<AppDeploymentArgs, "appName" | "instance" | "labels">,
): Record<string, string> {
  return {
    ...args.labels,
    "app.kubernetes.io/managed-by": "pulumi",
    ...selectorLabels(name, args),
  };
}

/** Pod template labels: the common labels plus the version, which may change with every rollout. */
export function templateLabels(
  name: string,
  args: Pick<AppDeploymentArgs, "appName" | "instance" | "labels" | "version" | "podLabels">,
): Record<string, string> {
  return {
    ...args.podLabels,
    ...commonLabels(name, args),
    ...(args.version !== undefined ? { "app.kubernetes.io/version": args.version } : {}),
  };
}
